/**
 * Faults a test or an operator injects into one node, to try the network the way a real one
 * fails: a partition (traffic to and from some peers is lost), slow links (calls to some peers
 * or to all are delayed) and a clock that runs ahead or behind. It works through the seams the
 * node already has — one client and one server interceptor, and the clock the node is built
 * with — so the node under faults is the node users run, not a test double.
 *
 * A dropped call behaves as a partition does: the caller hears nothing until its deadline
 * (DEADLINE_EXCEEDED), never a quick refusal that would let it fail over sooner than it could
 * on a real network. Calls from a dropped peer are refused at once (the sender's own injector,
 * when the partition is set on both sides, already makes them wait).
 */
import { DhtError } from "../errors.js";
import { isNodeId } from "../kademlia/node-id.js";
import type { ClientInterceptor, ServerInterceptor } from "../rpc/interceptor.js";
import type { Clock, NodeId } from "../types.js";

export interface PeerDelay {
  /** A peer ID, or "*" for every peer. */
  peer: NodeId | "*";
  delayMs: number;
}

export interface FaultRules {
  /** Peers this node cannot reach and does not hear from. */
  dropPeers: NodeId[];
  /** Delays added to calls this node makes (a peer's own entry wins over "*"). */
  delays: PeerDelay[];
  /** Added to this node's clock, in ms (negative: behind). */
  clockSkewMs: number;
}

export const NO_FAULTS: Readonly<FaultRules> = Object.freeze({ dropPeers: [], delays: [], clockSkewMs: 0 });

/** Bounds of what may be injected: enough for any test, small enough to never wedge a peer. */
export const FAULT_LIMITS = Object.freeze({ maxPeers: 1024, maxDelayMs: 60_000, maxClockSkewMs: 86_400_000 });

/** Checks rules from outside; throws DhtError INVALID_ARGUMENT naming the field. */
export function validateFaultRules(rules: FaultRules): void {
  const { maxPeers, maxDelayMs, maxClockSkewMs } = FAULT_LIMITS;
  if (rules.dropPeers.length > maxPeers) throw DhtError.invalidArgument(`dropPeers: at most ${maxPeers} peers, got ${rules.dropPeers.length}`);
  rules.dropPeers.forEach((id, i) => {
    if (!isNodeId(id)) throw DhtError.invalidArgument(`dropPeers[${i}]: must be a peer ID (64 lowercase hex digits), got ${JSON.stringify(id)}`);
  });
  if (rules.delays.length > maxPeers) throw DhtError.invalidArgument(`delays: at most ${maxPeers} entries, got ${rules.delays.length}`);
  rules.delays.forEach((d, i) => {
    if (d.peer !== "*" && !isNodeId(d.peer)) throw DhtError.invalidArgument(`delays[${i}].peer: must be a peer ID or "*", got ${JSON.stringify(d.peer)}`);
    if (!Number.isSafeInteger(d.delayMs) || d.delayMs < 0 || d.delayMs > maxDelayMs) {
      throw DhtError.invalidArgument(`delays[${i}].delayMs: must be an integer from 0 to ${maxDelayMs}, got ${d.delayMs}`);
    }
  });
  if (!Number.isSafeInteger(rules.clockSkewMs) || Math.abs(rules.clockSkewMs) > maxClockSkewMs) {
    throw DhtError.invalidArgument(`clockSkewMs: must be an integer from -${maxClockSkewMs} to ${maxClockSkewMs}, got ${rules.clockSkewMs}`);
  }
}

/** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(DhtError.from(signal.reason, "canceled"));
    const onAbort = () => {
      clearTimeout(timer);
      reject(DhtError.from(signal!.reason, "canceled"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export class FaultInjector {
  #drop = new Set<NodeId>();
  #delays = new Map<NodeId | "*", number>();
  #skewMs = 0;
  /** Calls lost to a partition, each way; calls delayed. */
  readonly counts = { droppedOut: 0, droppedIn: 0, delayed: 0 };

  /** Replaces every rule at once (NO_FAULTS heals); throws INVALID_ARGUMENT, changing nothing, on a bad rule. */
  set(rules: FaultRules): void {
    validateFaultRules(rules);
    this.#drop = new Set(rules.dropPeers);
    this.#delays = new Map(rules.delays.map((d) => [d.peer, d.delayMs]));
    this.#skewMs = rules.clockSkewMs;
  }

  get rules(): FaultRules {
    return { dropPeers: [...this.#drop], delays: [...this.#delays].map(([peer, delayMs]) => ({ peer, delayMs })), clockSkewMs: this.#skewMs };
  }

  get active(): boolean {
    return this.#drop.size > 0 || this.#delays.size > 0 || this.#skewMs !== 0;
  }

  /** `base` moved by the injected skew: give it to the node as its clock. */
  clock(base: Clock): Clock {
    return { now: () => base.now() + this.#skewMs };
  }

  /** Outgoing calls: lost to a dropped peer (after the call's deadline), delayed to a slow one. */
  readonly client: ClientInterceptor = (next) => async (call) => {
    const to = call.peer.id;
    if (this.#drop.has(to)) {
      this.counts.droppedOut++;
      await sleep(call.timeoutMs, call.signal);
      throw new DhtError(`fault injection: traffic to ${to.slice(0, 8)} is dropped (partition)`, "deadline_exceeded");
    }
    const delayMs = this.#delays.get(to) ?? this.#delays.get("*") ?? 0;
    if (delayMs > 0) {
      this.counts.delayed++;
      // Never past the call's own deadline: the deadline interceptor would answer first anyway.
      await sleep(Math.min(delayMs, call.timeoutMs), call.signal);
    }
    return next(call);
  };

  /** Incoming calls from a dropped peer are refused. */
  readonly server: ServerInterceptor = (next) => async (call) => {
    if (this.#drop.has(call.from.id)) {
      this.counts.droppedIn++;
      throw DhtError.unavailable(`fault injection: traffic from ${call.from.id.slice(0, 8)} is dropped (partition)`);
    }
    return next(call);
  };
}
