/**
 * A quorum read: ask the peers closest to a key until Rq of them have answered, and say how
 * far the answers go.
 *
 * The replicas are the R closest peers the read knows of, counting the ones that did not
 * answer (a failed or timed-out call, in the lookup or here): silence is not absence, and a
 * replica whose reply was lost still holds the key. Spares — the next closest — stand in for
 * replicas that fail, as a write falls back to them (a spare holds the key only when it stood
 * in for a replica during a write, until hinted hand-off moves it on).
 *
 * So the answers carry two weights (as in Dynamo's sloppy quorum, and Cassandra's rule that
 * only the key's replicas make a read's consistency level):
 * - `reachable`: answers from the R closest peers that have not failed (spares included). A
 *   record found there is returned, as before: a spare holding it is evidence of the write.
 * - `replicas`: answers from the R closest known, silent ones included. Only these make a
 *   "not found": a spare that never held the key says nothing about it. When fewer than Rq of
 *   them answered the read is UNAVAILABLE, never NOT_FOUND.
 *
 * A replica that did not answer is asked once more before a read gives up for want of it:
 * under message loss the second call usually gets through.
 *
 * Hedged: a replica that has not answered within its usual time (a percentile of its recent
 * latencies, peer-latency.ts) is not waited for alone: the next of the set is asked as well,
 * and the first answers that settle the read win. The slow one is not failed for it: its
 * answer still counts if it comes first, and silence is still not absence. Answers without a
 * live record settle nothing while a slower replica is still merely slow (awaitSlowReplicas).
 */
import { DhtError } from "../errors.js";
import type { Contact, DhtRecord, Logger, NodeId, Router } from "../types.js";
import type { Transport } from "../rpc/peer-rpc.js";
import type { LocalRecords } from "../records/local-records.js";
import type { SpanContext } from "../tracing/trace-context.js";
import type { HedgeBudget, HedgeSettings, PeerLatency } from "./peer-latency.js";

export interface QuorumReadContext {
  router: Router;
  transport: Transport;
  records: LocalRecords;
  log: Logger;
  rpcTimeoutMs: number;
  replicationFactor: number;
  signal: AbortSignal;
  /** The operation's span when traced: each replica call is recorded under it. */
  trace?: SpanContext | undefined;
  /** Recent latencies per peer: answers are recorded here, and hedging waits by them. */
  latency?: PeerLatency;
  hedge?: HedgeSettings;
  /** A hedge was sent (for the metrics). */
  onHedge?: () => void;
  /** Hedges allowed (a share of reads); none left: the read waits as an unhedged one. */
  budget?: HedgeBudget;
}

/** What each peer answered: its record, null when it holds none. */
export type Answers = Map<NodeId, DhtRecord | null>;

/** Where a quorum read stands once it has asked what it could. */
export interface QuorumReadResult {
  /** The R closest known (self included when it is one), silent ones included: who can say "not found". */
  replicas: Contact[];
  /** The R closest that did not fail, spares standing in for failed replicas: whose records count. */
  set: Contact[];
  /** The set's members that answered and every peer asked, closest first (for the replica reports). */
  consulted: Contact[];
  /** How many of `replicas` answered (self counts when it is one). */
  replicasAnswered: number;
  /** How many of `set` answered (self counts when it is in it). */
  setAnswered: number;
}

/**
 * A record another peer returned: checked like an incoming Store (and its version observed),
 * or undefined (logged) when it is invalid or not the key asked for.
 */
export function acceptRemote(records: LocalRecords, log: Logger, peer: NodeId, key: string, record: DhtRecord | null): DhtRecord | null | undefined {
  if (record === null) return null;
  try {
    records.check(record);
    if (record.key !== key) throw DhtError.invalidArgument(`record.key: asked for another key`);
    return record;
  } catch (error) {
    log.warn({ peer, err: String(error) }, "ignoring an invalid record from a peer");
    return undefined;
  }
}

/**
 * Asks peers until `needed` have answered (into `answers`): first the set (closest first, a
 * failed one replaced by the next known), as many at a time as are still needed; then, unless
 * that settled the read (`needed` answers with a live record among them or ours), the replicas
 * that did not answer, once more each, until `needed` replicas have answered.
 *
 * `known`: the peers closest to the key, closest first, self included and already answered,
 * with the ones a lookup heard nothing from; `unanswered`: those (asked again only as replicas).
 */
export async function readQuorum(
  c: QuorumReadContext,
  key: string,
  known: readonly Contact[],
  unanswered: ReadonlySet<NodeId>,
  needed: number,
  answers: Answers,
): Promise<QuorumReadResult> {
  const asked = new Set<NodeId>();
  const failed = new Set<NodeId>(unanswered);
  /** Peers not to ask again: asked twice, or answered nonsense. */
  const done = new Set<NodeId>();
  const replicas = known.slice(0, c.replicationFactor);
  const reachable = () => known.filter((x) => !failed.has(x.id)).slice(0, c.replicationFactor);
  const answeredIn = (peers: readonly Contact[]) => peers.filter((x) => answers.has(x.id)).length;
  /** Asks in flight (a hedged read returns with slow ones still running: their answers no longer count). */
  const inFlight = new Map<NodeId, Promise<void>>();
  /** When each peer was last asked (performance.now()). */
  const askedAt = new Map<NodeId, number>();
  let returned = false;
  const ask = async (peer: Contact, hedged = false): Promise<void> => {
    const again = asked.has(peer.id) || unanswered.has(peer.id);
    if (again) done.add(peer.id);
    asked.add(peer.id);
    const opts = { timeoutMs: c.rpcTimeoutMs, signal: c.signal };
    const started = performance.now();
    askedAt.set(peer.id, started);
    try {
      const res = await c.transport.findValue(
        peer,
        key,
        // A spare asked in a failed replica's place is a stand-in, as in a write.
        c.trace ? { ...opts, trace: { parent: c.trace, name: "replica read", attributes: { replica: replicas.some((r) => r.id === peer.id), retry: again, hedged } } } : opts,
      );
      c.latency?.record(peer.id, performance.now() - started);
      c.router.reportSuccess(peer);
      if (returned) return;
      const accepted = acceptRemote(c.records, c.log, peer.id, key, res.record ?? null);
      if (accepted !== undefined) {
        answers.set(peer.id, accepted);
        failed.delete(peer.id);
      } else {
        failed.add(peer.id);
        done.add(peer.id);
      }
    } catch (error) {
      if (DhtError.from(error).code !== "canceled") c.router.reportFailure(peer, error);
      if (returned) return;
      failed.add(peer.id);
      c.log.debug({ peer: peer.id, err: String(error) }, "replica did not answer a read");
    }
  };
  const start = (peer: Contact, hedged = false) => {
    const p = ask(peer, hedged).finally(() => inFlight.delete(peer.id));
    inFlight.set(peer.id, p);
  };
  /**
   * Asks the unanswered of `peers()` not in `skip`, as many at a time as are still needed, until
   * `needed` of them answered; an ask slower than its hedge delay stops counting as pending, so
   * the next peer is asked beside it.
   */
  const askUntilNeeded = async (peers: () => readonly Contact[], skip: ReadonlySet<NodeId>): Promise<void> => {
    const slow = new Set<NodeId>();
    const hedgeAt = new Map<NodeId, number>();
    /** Asks whose hedge no longer needs the budget: silent long enough to be a stuck peer rather than load. */
    const free = new Set<NodeId>();
    for (;;) {
      const list = peers();
      const pending = [...inFlight.keys()].filter((id) => !slow.has(id)).length;
      const missing = needed - answeredIn(list);
      if (missing <= 0 || c.signal.aborted) return;
      const next = list.filter((x) => !answers.has(x.id) && !skip.has(x.id) && !inFlight.has(x.id)).slice(0, Math.max(0, missing - pending));
      for (const peer of next) {
        start(peer, slow.size > 0);
        if (c.hedge?.enabled && c.latency) hedgeAt.set(peer.id, performance.now() + c.latency.hedgeDelay(peer.id, c.hedge));
      }
      if (inFlight.size === 0) return;
      // Wake at the first answer, or when the earliest pending ask passes its hedge delay.
      const waits = [...inFlight.keys()].filter((id) => !slow.has(id) && hedgeAt.has(id));
      const first = waits.length > 0 ? Math.min(...waits.map((id) => hedgeAt.get(id)!)) : undefined;
      let timer: NodeJS.Timeout | undefined;
      const hedge = first === undefined ? undefined : new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, first - performance.now()))));
      await Promise.race(hedge ? [...inFlight.values(), hedge] : [...inFlight.values()]);
      clearTimeout(timer);
      const now = performance.now();
      for (const id of waits) {
        if (!inFlight.has(id) || hedgeAt.get(id)! > now) continue;
        if (!free.has(id) && c.budget && !c.budget.take()) {
          // Over budget: wait on until the ask has been silent long enough to be a paused or dead
          // replica, not a loaded one (PeerLatency.stuckAfter), then hedge anyway.
          free.add(id);
          const at = askedAt.get(id)! + c.latency!.stuckAfter(id, c.hedge!);
          if (at > now) {
            hedgeAt.set(id, at);
            continue;
          }
        }
        slow.add(id);
        c.onHedge?.();
      }
    }
  };
  await askUntilNeeded(reachable, asked);
  const live = (id: NodeId) => answers.get(id)?.tombstone === false;
  const set = reachable();
  if (!(answeredIn(set) >= needed && (live(c.router.self.id) || set.some((x) => live(x.id))))) await askUntilNeeded(() => replicas, done);
  if (![...answers.keys()].some(live)) await awaitSlowReplicas(c, replicas, inFlight, askedAt);
  const final = reachable();
  const inSet = new Set(final.map((x) => x.id));
  returned = true;
  return {
    replicas,
    set: final,
    consulted: known.filter((x) => asked.has(x.id) || (inSet.has(x.id) && answers.has(x.id))),
    replicasAnswered: answeredIn(replicas),
    setAnswered: answeredIn(final),
  };
}

/**
 * Waits for the replicas still asked (a hedge went past them) until each answers or has been
 * silent long enough to count as stuck (PeerLatency.stuckAfter), whichever comes first. Called
 * when no answer holds a live record: two empty answers are a quorum for "not found", but when
 * R-1 of a key's holders are lost at once its replicas are, until repair, the one holder left
 * and two peers that never held it; the holder, merely slow, must be heard.
 */
async function awaitSlowReplicas(c: QuorumReadContext, replicas: readonly Contact[], inFlight: ReadonlyMap<NodeId, Promise<void>>, askedAt: ReadonlyMap<NodeId, number>): Promise<void> {
  const { latency, hedge } = c;
  if (!latency || !hedge?.enabled) return;
  /** When each replica still asked counts as stuck. */
  const stuckAt = new Map(replicas.filter((x) => inFlight.has(x.id)).map((x) => [x.id, askedAt.get(x.id)! + latency.stuckAfter(x.id, hedge)]));
  for (;;) {
    const now = performance.now();
    const waiting = [...stuckAt].filter(([id, at]) => inFlight.has(id) && at > now);
    if (waiting.length === 0 || c.signal.aborted) return;
    const until = Math.min(...waiting.map(([, at]) => at));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([...waiting.map(([id]) => inFlight.get(id)!), new Promise<void>((resolve) => (timer = setTimeout(resolve, until - now)))]);
    clearTimeout(timer);
  }
}
