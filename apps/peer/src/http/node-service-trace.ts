/**
 * NodeService.GetTrace: the spans recorded for one trace. This peer's own come from its
 * bounded store; unless `local_only`, the peers its client spans called (replicas, lookup
 * contacts) are asked for theirs with the same method, `local_only` set so it goes one level
 * deep only — at most MAX_PEERS of them, in parallel, each within FANOUT_DEADLINE_MS. Asking
 * at read time rather than shipping spans back in every peer RPC reply keeps PeerService and
 * the replicas' hot path untouched; a peer that does not answer is listed, not fatal.
 *
 * An operation may still be running here when its trace is asked for: a put answers at its
 * write quorum while its other replica stores are under way. So GetTrace first waits, at most
 * SETTLE_MS, until no span of the trace is open on this peer; otherwise those stores, and the
 * peers they reached, would be missing from the trace.
 */
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { create, fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { GetTraceRequestSchema, GetTraceResponseSchema, TraceSpanSchema, type TraceSpan } from "@p2p/proto/node";
import { isTraceId, type FinishedSpan } from "@p2p/dht";
import type { ApiContext } from "./api-context.js";
import type { NodeServiceHandlers } from "./node-service.js";

/** Peers asked for their spans at most: a lookup under churn may touch dozens. */
const MAX_PEERS = 24;
/** Each peer's deadline; the whole fan-out runs in parallel, so GetTrace answers within about this. */
const FANOUT_DEADLINE_MS = 1500;
/**
 * How long GetTrace waits for the trace's open spans here: a replica call's deadline (2 s by
 * default) plus a stand-in store after it fails. A trace still open after that is shown as is.
 */
const SETTLE_MS = 5000;

function spanMsg(s: FinishedSpan): TraceSpan {
  return create(TraceSpanSchema, {
    name: s.name,
    spanId: s.spanId,
    parentId: s.parentId ?? "",
    peerId: s.peerId,
    startMs: s.startMs,
    durationMs: s.durationMs,
    attributes: Object.fromEntries(Object.entries(s.attributes).map(([k, v]) => [k, String(v)])),
    status: s.status,
    error: s.error ?? "",
    kind: s.kind,
  });
}

async function remoteSpans(httpAddress: string, traceId: string, signal: AbortSignal): Promise<TraceSpan[]> {
  const res = await fetch(`http://${httpAddress}/p2p.v1.NodeService/GetTrace`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(toJson(GetTraceRequestSchema, create(GetTraceRequestSchema, { traceId, localOnly: true }))),
    signal: AbortSignal.any([signal, AbortSignal.timeout(FANOUT_DEADLINE_MS)]),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return fromJson(GetTraceResponseSchema, (await res.json()) as JsonValue, { ignoreUnknownFields: true }).spans;
}

export function traceHandlers(ctx: ApiContext): NodeServiceHandlers {
  return {
    async getTrace(req, hc: HandlerContext) {
      const traceId = req.traceId.toLowerCase();
      if (!isTraceId(traceId)) throw new ConnectError("trace_id: expected 32 lowercase hex characters, not all zero", Code.InvalidArgument);
      if (!req.localOnly) await ctx.tracing.settled(traceId, SETTLE_MS, hc.signal);
      const local = ctx.tracing.spans(traceId);
      const spans = new Map<string, TraceSpan>(local.map((s) => [s.spanId, spanMsg(s)]));
      const unreachablePeers: string[] = [];
      if (!req.localOnly) {
        const self = ctx.self.httpAddress;
        const peers = [...new Set(local.map((s) => s.attributes["peer.http"]).filter((a): a is string => typeof a === "string" && a !== "" && a !== self))].slice(0, MAX_PEERS);
        const answers = await Promise.allSettled(peers.map((p) => remoteSpans(p, traceId, hc.signal)));
        answers.forEach((a, i) => {
          if (a.status === "rejected") unreachablePeers.push(peers[i]!);
          else for (const s of a.value) if (!spans.has(s.spanId)) spans.set(s.spanId, s);
        });
      }
      const all = [...spans.values()].sort((a, b) => a.startMs - b.startMs);
      const startMs = all[0]?.startMs ?? 0;
      for (const s of all) s.startOffsetMs = s.startMs - startMs;
      return { traceId, startMs, spans: all, unreachablePeers };
    },
  };
}
