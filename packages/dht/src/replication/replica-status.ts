/**
 * ReplicaStatus: for one key, which peers hold it and which version each has. Asks the R
 * closest (found by a FindValue lookup, which also reports any other peer that answered with
 * the record) and reports every holder found, the R closest first.
 */
import type { Contact, DhtRecord, NodeId, Router, Version } from "../types.js";
import type { Transport } from "../rpc/peer-rpc.js";
import type { LocalRecords } from "../records/local-records.js";
import { validateKey } from "../records/record-validation.js";
import { compareVersions } from "../records/version.js";
import { byDistance, sha256Hex } from "./position.js";

export interface ReplicaHolderStatus {
  peer: Contact;
  /** Among the R closest to the key's position. */
  responsible: boolean;
  answered: boolean;
  holds: boolean;
  version?: Version;
  tombstone: boolean;
}

export interface ReplicaStatus {
  key: string;
  position: NodeId;
  replicationFactor: number;
  holders: ReplicaHolderStatus[];
  /** How many of the R closest hold the newest version found. */
  currentCopies: number;
  newest?: Version;
}

export interface ReplicaStatusComponents {
  self: Contact;
  router: Router;
  transport: Transport;
  records: LocalRecords;
}

/** Throws DhtError INVALID_ARGUMENT for a bad key; unreachable peers show as answered: false. */
export async function replicaStatus(
  c: ReplicaStatusComponents,
  key: string,
  opts: { replicationFactor: number; rpcTimeoutMs: number; signal?: AbortSignal },
): Promise<ReplicaStatus> {
  validateKey(key);
  const r = opts.replicationFactor;
  const position = sha256Hex(key);
  let closest: Contact[] = [];
  const answers = new Map<NodeId, DhtRecord | null>();
  try {
    const lookup = await c.router.lookup(position, { wanted: r, key, ...(opts.signal ? { signal: opts.signal } : {}) });
    closest = lookup.closest;
    for (const [id, rec] of lookup.records) answers.set(id, rec?.key === key ? rec : null);
  } catch {
    closest = c.router.closestKnown(position, r);
  }
  answers.set(c.self.id, (await c.records.read(key)) ?? null);
  const everyone = byDistance([c.self, ...closest, ...c.router.closestKnown(position, r)], position);
  const responsible = everyone.slice(0, r);
  await Promise.all(
    responsible
      .filter((p) => !answers.has(p.id))
      .map(async (p) => {
        try {
          const res = await c.transport.findValue(p, key, opts.signal ? { timeoutMs: opts.rpcTimeoutMs, signal: opts.signal } : { timeoutMs: opts.rpcTimeoutMs });
          answers.set(p.id, res.record?.key === key ? res.record : null);
        } catch {
          // unreachable: reported as not answered
        }
      }),
  );
  const report = (peer: Contact, isResponsible: boolean): ReplicaHolderStatus => {
    const held = answers.get(peer.id);
    const s: ReplicaHolderStatus = { peer, responsible: isResponsible, answered: held !== undefined, holds: !!held, tombstone: held?.tombstone ?? false };
    if (held) s.version = held.version;
    return s;
  };
  const holders = responsible.map((p) => report(p, true));
  const inSet = new Set(responsible.map((p) => p.id));
  for (const p of everyone) if (!inSet.has(p.id) && answers.get(p.id)) holders.push(report(p, false));
  let newest: Version | undefined;
  for (const h of holders) if (h.version && (!newest || compareVersions(h.version, newest) > 0)) newest = h.version;
  const currentCopies = newest ? holders.filter((h) => h.responsible && h.version && compareVersions(h.version, newest!) === 0).length : 0;
  const status: ReplicaStatus = { key, position, replicationFactor: r, holders, currentCopies };
  if (newest) status.newest = newest;
  return status;
}
