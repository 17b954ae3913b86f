/**
 * Interceptors around the transport seam, in the style of connect-es's `interceptor.ts`: an
 * interceptor takes the next step of the chain and returns a step that may look at or change
 * the call, time it, bound it, fail it, or not call `next` at all. One chain on the client side
 * wraps every outgoing PeerService call (streaming chunk transfers included), one on the
 * server side every incoming one, so timing, metrics, deadlines and cancellation (and later
 * tracing or fault injection) are written once, not per method.
 */
import { handleCall, handlerOf, sendCall, transportOf, type IncomingCall, type OutgoingCall, type PeerRpcHandler, type Transport } from "./peer-rpc.js";

export type SendFn = (call: OutgoingCall) => Promise<unknown>;
export type HandleFn = (call: IncomingCall) => Promise<unknown>;

/** Wraps the sending of outgoing calls. */
export type ClientInterceptor = (next: SendFn) => SendFn;
/** Wraps the handling of incoming calls. */
export type ServerInterceptor = (next: HandleFn) => HandleFn;

/**
 * `transport` with `interceptors` applied, the first one outermost: it sees a call first and
 * its answer last (so a timing interceptor placed before a deadline one times the deadline).
 */
export function interceptTransport(transport: Transport, interceptors: readonly ClientInterceptor[]): Transport {
  if (interceptors.length === 0) return transport;
  let send: SendFn = (call) => sendCall(transport, call);
  for (let i = interceptors.length - 1; i >= 0; i--) send = interceptors[i]!(send);
  return transportOf(send);
}

/** `handler` with `interceptors` applied, the first one outermost. */
export function interceptHandler(handler: PeerRpcHandler, interceptors: readonly ServerInterceptor[]): PeerRpcHandler {
  if (interceptors.length === 0) return handler;
  let handle: HandleFn = (call) => handleCall(handler, call);
  for (let i = interceptors.length - 1; i >= 0; i--) handle = interceptors[i]!(handle);
  return handlerOf(handle);
}
