/**
 * A handler that exists before the node it serves: a server must listen (its port is part of
 * the node's contact) before the node can be built, and a memory network attachment likewise
 * comes first. Until `set`, every call fails with UNAVAILABLE ("peer is starting").
 */
import { DhtError } from "../errors.js";
import { handleCall, handlerOf, type PeerRpcHandler } from "./peer-rpc.js";

export function lateHandler(): { handler: PeerRpcHandler; set(handler: PeerRpcHandler): void } {
  let target: PeerRpcHandler | undefined;
  return {
    handler: handlerOf(async (call) => {
      if (!target) throw DhtError.unavailable("peer is starting");
      return handleCall(target, call);
    }),
    set(handler) {
      target = handler;
    },
  };
}
