/**
 * A handler that exists before the node it serves: a server must listen (its port is part of
 * the node's contact) before the node can be built, and a memory network attachment likewise
 * comes first. Until `set`, every call fails with UNAVAILABLE ("peer is starting").
 */
import { DhtError } from "../errors.js";
import { handleCall, handlerOf, type IncomingCall, type PeerRpcHandler } from "./peer-rpc.js";

export function lateHandler(): { handler: PeerRpcHandler; set(handler: PeerRpcHandler): void } {
  return new LateHandler();
}

class LateHandler {
  readonly handler: PeerRpcHandler = handlerOf(this.#handle.bind(this));
  #target: PeerRpcHandler | undefined;

  set(handler: PeerRpcHandler): void {
    this.#target = handler;
  }

  async #handle(call: IncomingCall): Promise<unknown> {
    if (!this.#target) throw DhtError.unavailable("peer is starting");
    return handleCall(this.#target, call);
  }
}
