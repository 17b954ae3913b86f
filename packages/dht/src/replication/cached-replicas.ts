/**
 * Reads and writes that go straight to a key's replicas when recent lookups of its region of the
 * ring certified who they are (Router.cachedNear, kademlia/neighbourhood-cache.ts): one round
 * instead of a lookup and then a round, which is what a get costs at 50-100 peers, where the
 * routing table is no longer the whole network.
 *
 * A peer skips the lookup only when it knows its view is complete (ARCHITECTURE.md §3b), and a
 * cache can be stale, so every shortcut is verified by the answers it gets:
 * - a read's FindValue answers carry each replica's own closest contacts: a contact closer to the
 *   key than the R-th assumed replica means the set was wrong; a replica that stays silent means
 *   it may be down or the set may have moved. Either way the read falls back to the full lookup
 *   (keeping the answers it has), whose rules then decide: silence is not absence, and "not
 *   found" is only the answer of Rq of the R closest known (quorum-read.ts).
 * - a write asks the closest other replica for its closest contacts (FindNode) while it stores,
 *   and one that acknowledged too when that one is silent; a closer peer, or no answer, and the
 *   write is done again through the lookup (the same version: replicas already holding it
 *   acknowledge at once).
 */
import type { Contact, NodeId, Router } from "../types.js";
import type { Transport } from "../rpc/peer-rpc.js";
import { xorDistance } from "../kademlia/node-id.js";
import { byDistance } from "./position.js";
import { readQuorum, type Answers, type QuorumReadContext, type QuorumReadResult } from "./quorum-read.js";

/**
 * The other peers among the 2R closest to `position` (R replicas, R spares, self left out) when
 * the router's cache is sure of the R closest; undefined otherwise (the caller looks up).
 */
export function cachedReplicaSet(router: Router, position: NodeId, r: number): Contact[] | undefined {
  return router.cachedNear?.(position, 2 * r, r)?.filter((c) => c.id !== router.self.id);
}

/** Whether `contacts` (someone's closest to `position`) holds a peer closer than `set`'s R-th that `set` lacks. */
function revealsCloser(set: readonly Contact[], r: number, position: NodeId, self: NodeId, contacts: readonly Contact[]): boolean {
  const last = set[Math.min(r, set.length) - 1];
  if (!last) return false;
  const bound = xorDistance(last.id, position);
  const listed = new Set(set.map((c) => c.id));
  return contacts.some((c) => c.id !== self && !listed.has(c.id) && xorDistance(c.id, position) < bound);
}

/**
 * A quorum read from the cached replica set of `position`, verified as the header says. Returns
 * the read's result when the shortcut held, or undefined when there was no shortcut or it did
 * not hold: the caller then looks up, `answers` keeping what the replicas said.
 */
export async function readCachedReplicas(c: QuorumReadContext, key: string, position: NodeId, needed: number, answers: Answers): Promise<QuorumReadResult | undefined> {
  const r = c.replicationFactor;
  const remote = cachedReplicaSet(c.router, position, r);
  if (!remote) return undefined;
  const known = byDistance([c.router.self, ...remote], position).slice(0, 2 * r);
  const replicas = new Set(known.slice(0, r).map((x) => x.id));
  let closer = false;
  let silent = false;
  const findValue: Transport["findValue"] = async (to, k, opts) => {
    try {
      const res = await c.transport.findValue(to, k, opts);
      if (revealsCloser(known, r, position, c.router.self.id, res.contacts)) closer = true;
      return res;
    } catch (error) {
      if (replicas.has(to.id)) silent = true;
      throw error;
    }
  };
  // Only findValue is wrapped: it is all a quorum read sends.
  const transport = new Proxy(c.transport, { get: (t, p) => (p === "findValue" ? findValue : Reflect.get(t, p, t)) });
  const result = await readQuorum({ ...c, transport }, key, known, new Set(), needed, answers);
  if (!closer && !silent) return result;
  c.router.forgetNear?.(position);
  c.log.debug({ position, closer, silent }, "cached replica set not confirmed; looking up");
  return undefined;
}

/** The check of a write's cached replica set, started with the write (see checkWriteSet). */
export interface WriteSetCheck {
  /** True when the set stands; false when an answer showed a closer peer, or nobody answered. */
  readonly result: Promise<boolean>;
  /**
   * The write reached its quorum (`acked`; empty when it failed). When the replica asked has not
   * answered and is not among them (slow, paused or dead), one that acked is asked too, so a
   * silent verifier costs one more call rather than its whole deadline and a lookup.
   */
  settle(acked: readonly Contact[]): void;
}

/**
 * Starts the check of a write's cached replica set: FindNode of `position` to the closest other
 * replica, which knows its own neighbourhood best. The first answer decides.
 */
export function checkWriteSet(
  c: { router: Router; transport: Transport; rpcTimeoutMs: number; signal?: AbortSignal | undefined },
  position: NodeId,
  remote: readonly Contact[],
  r: number,
): WriteSetCheck {
  const self = c.router.self.id;
  const set = byDistance([c.router.self, ...remote], position);
  const asked = new Set<NodeId>();
  let decide!: (ok: boolean) => void;
  const result = new Promise<boolean>((resolve) => (decide = resolve));
  let pending = 0;
  let settled = false;
  const ask = (peer: Contact): void => {
    asked.add(peer.id);
    pending++;
    const opts = c.signal ? { timeoutMs: c.rpcTimeoutMs, signal: c.signal } : { timeoutMs: c.rpcTimeoutMs };
    c.transport.findNode(peer, position, opts).then(
      (contacts) => {
        c.router.reportSuccess(peer);
        decide(!revealsCloser(set, r, position, self, contacts));
      },
      () => {
        // Its silence is reported by the write's own call to it; this one only stops counting.
        if (--pending === 0 && settled) decide(false);
      },
    );
  };
  const first = set.slice(0, r).find((x) => x.id !== self);
  if (first) ask(first);
  else decide(true); // self is the only replica we know of: nothing to ask
  return {
    result,
    settle(acked) {
      settled = true;
      const slow = first && !acked.some((x) => x.id === first.id);
      const next = slow ? acked.find((x) => x.id !== self && !asked.has(x.id)) : undefined;
      if (next) ask(next);
      else if (pending === 0) decide(false);
    },
  };
}
