/**
 * A quorum read: ask the replica set for a key until Rq of it have answered. The set is the
 * first R of the candidates (closest first, self included and already answered) that have not
 * failed: a replica that fails or answers nonsense is replaced by the next candidate, as a
 * write falls back to the next closest. Each round asks as many as are still needed.
 */
import { DhtError } from "../errors.js";
import type { Contact, DhtRecord, Logger, NodeId, Router } from "../types.js";
import type { Transport } from "../rpc/peer-rpc.js";
import type { LocalRecords } from "../records/local-records.js";

export interface QuorumReadContext {
  router: Router;
  transport: Transport;
  records: LocalRecords;
  log: Logger;
  rpcTimeoutMs: number;
  replicationFactor: number;
  signal: AbortSignal;
}

/** What each peer answered: its record, null when it holds none. */
export type Answers = Map<NodeId, DhtRecord | null>;

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
 * Asks the replica set until `needed` of it have answered (into `answers`). Returns the final
 * replica set and the peers consulted (the set's answered members and every peer asked), both
 * closest first.
 */
export async function readQuorum(
  c: QuorumReadContext,
  key: string,
  candidates: readonly Contact[],
  needed: number,
  answers: Answers,
): Promise<{ set: Contact[]; consulted: Contact[] }> {
  const asked = new Set<NodeId>();
  const failed = new Set<NodeId>();
  const replicaSet = () => candidates.filter((x) => !failed.has(x.id)).slice(0, c.replicationFactor);
  const ask = async (peer: Contact): Promise<void> => {
    asked.add(peer.id);
    try {
      const res = await c.transport.findValue(peer, key, { timeoutMs: c.rpcTimeoutMs, signal: c.signal });
      c.router.reportSuccess(peer);
      const accepted = acceptRemote(c.records, c.log, peer.id, key, res.record ?? null);
      if (accepted !== undefined) answers.set(peer.id, accepted);
      else failed.add(peer.id);
    } catch (error) {
      failed.add(peer.id);
      if (DhtError.from(error).code !== "canceled") c.router.reportFailure(peer, error);
      c.log.debug({ peer: peer.id, err: String(error) }, "replica did not answer a read");
    }
  };
  for (;;) {
    const set = replicaSet();
    const have = set.filter((x) => answers.has(x.id)).length;
    const next = set.filter((x) => !answers.has(x.id) && !asked.has(x.id)).slice(0, Math.max(0, needed - have));
    if (next.length === 0 || c.signal.aborted) break;
    await Promise.all(next.map(ask));
  }
  const set = replicaSet();
  const inSet = new Set(set.map((x) => x.id));
  return { set, consulted: candidates.filter((x) => asked.has(x.id) || (inSet.has(x.id) && answers.has(x.id))) };
}
