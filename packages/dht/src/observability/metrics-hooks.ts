/**
 * What a node reports as it works, for whoever embeds it: the peer daemon turns these into
 * Prometheus series, tests count them. The node keeps its own Stats (counts and latency
 * percentiles) either way; hooks only observe, so a slow or throwing hook cannot change an
 * outcome (errors are swallowed).
 */
import type { DhtErrorCode } from "../errors.js";
import type { LookupListener } from "../kademlia/lookup-events.js";
import type { PeerMethodName } from "../rpc/peer-rpc.js";
import type { Operation } from "./op-stats.js";

export type RpcSide = "client" | "server";

/** "ok", or the error code the call or operation ended with. */
export type Outcome = "ok" | DhtErrorCode;

export interface NodeMetricsHooks {
  /** One peer-to-peer call ended, on our side of it (client: we called; server: we answered). */
  peerRpc?(method: PeerMethodName, side: RpcSide, outcome: Outcome, seconds: number): void;
  /** One client operation ended; a get that found nothing is "ok" (not found is an answer). */
  operation?(op: Operation, outcome: Outcome, seconds: number): void;
  /** Every event of every lookup (sent, answered, failed, finished). */
  lookup?: LookupListener;
}

/** Calls `hook` and ignores what it throws. */
export function observe<A extends unknown[]>(hook: ((...args: A) => void) | undefined, ...args: A): void {
  if (!hook) return;
  try {
    hook(...args);
  } catch {
    // Observation must never change what the node does.
  }
}
