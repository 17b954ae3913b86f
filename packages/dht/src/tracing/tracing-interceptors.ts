/**
 * Tracing as interceptors around the transport seam (ARCHITECTURE.md §3b): every outgoing peer
 * call that carries a sampled trace becomes a client span (peer, outcome, latency) whose ID
 * rides to the remote in the call (gRPC metadata `traceparent`); every incoming call that
 * carries one becomes a server span, child of the caller's. Calls without a trace pass
 * straight through.
 */
import type { ClientInterceptor, ServerInterceptor } from "../rpc/interceptor.js";
import { PEER_METHOD_NAMES, type PeerMethod } from "../rpc/peer-rpc.js";
import type { Span, Tracer } from "./tracer.js";

/** What a reply says about the step, for the span (a FindValue that found the record, a Store applied). */
function noteResult(span: Span, method: PeerMethod, result: unknown): void {
  if (method === "findValue") {
    const r = result as { record?: { tombstone: boolean }; contacts: unknown[] };
    span.set("found", r.record !== undefined).set("contacts", r.contacts.length);
    if (r.record) span.set("tombstone", r.record.tombstone);
  } else if (method === "findNode") {
    span.set("contacts", (result as unknown[]).length);
  } else if (method === "store") {
    span.set("applied", (result as { applied: boolean }).applied);
  }
}

export function clientTracingInterceptor(tracer: Tracer): ClientInterceptor {
  return (next) => (call) => {
    const t = call.trace;
    if (!t?.parent.sampled) return next(call);
    const rpc = PEER_METHOD_NAMES[call.method];
    const span = tracer.start(t.name ?? rpc, t.parent, "client", {
      ...t.attributes,
      "rpc.method": rpc,
      "peer.id": call.peer.id,
      "peer.address": call.peer.address,
      "peer.http": call.peer.httpAddress,
    });
    // The remote's server span is a child of this one.
    return endWith(span, call.method, next({ ...call, trace: { parent: span.context } }));
  };
}

export function serverTracingInterceptor(tracer: Tracer): ServerInterceptor {
  return (next) => (call) => {
    if (!call.trace?.sampled) return next(call);
    const rpc = PEER_METHOD_NAMES[call.method];
    const span = tracer.start(`serve ${rpc}`, call.trace, "server", { "rpc.method": rpc, "peer.from": call.from.id });
    return endWith(span, call.method, next(call));
  };
}

/** Ends `span` when `result` settles: with the call's outcome noted, or with its error. */
function endWith<T>(span: Span, method: PeerMethod, result: Promise<T>): Promise<T> {
  return result.then(
    (value) => {
      noteResult(span, method, value);
      span.end();
      return value;
    },
    (error: unknown) => {
      span.end(error);
      throw error;
    },
  );
}
