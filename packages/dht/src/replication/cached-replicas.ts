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
 * - a write asks the closest other replica for its closest contacts (FindNode) while it stores;
 *   a closer peer, or no answer, and the write is done again through the lookup (the same
 *   version: replicas already holding it acknowledge at once).
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

/**
 * Starts the check of a write's cached replica set: FindNode of `position` to the closest other
 * replica, which knows its own neighbourhood best. Resolves true when the set stands, false
 * when the answer shows a closer peer or there was none. Never rejects.
 */
export async function confirmWriteSet(
  c: { router: Router; transport: Transport; rpcTimeoutMs: number; signal?: AbortSignal | undefined },
  position: NodeId,
  remote: readonly Contact[],
  r: number,
): Promise<boolean> {
  const self = c.router.self.id;
  const set = byDistance([c.router.self, ...remote], position);
  const peer = set.slice(0, r).find((x) => x.id !== self);
  if (!peer) return true;
  try {
    const contacts = await c.transport.findNode(peer, position, c.signal ? { timeoutMs: c.rpcTimeoutMs, signal: c.signal } : { timeoutMs: c.rpcTimeoutMs });
    c.router.reportSuccess(peer);
    return !revealsCloser(set, r, position, self, contacts);
  } catch {
    return false;
  }
}
