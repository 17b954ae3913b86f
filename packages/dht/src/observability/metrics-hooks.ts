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

/**
 * Things a node counts because a limit or a safety rule was hit; each is one label value of
 * one counter (p2p_node_events_total{event}) in the peer.
 */
export const NODE_EVENTS = [
  /** A write met a replica holding a newer version and was retried with a later one. */
  "write_conflict_retried",
  /** A write still met newer versions after its retries and was answered ABORTED. */
  "write_conflict_aborted",
  /** A replica refused a version for being further ahead of its clock than the max clock offset. */
  "clock_offset_refused",
  /** A read asked one more replica beside one slower than its usual latency (hedged read). */
  "read_hedged",
] as const;

export type NodeEvent = (typeof NODE_EVENTS)[number];

export interface NodeMetricsHooks {
  /** Something worth counting happened once (see NODE_EVENTS). */
  event?(event: NodeEvent): void;
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
