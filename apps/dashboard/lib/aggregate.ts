/**
 * Pure aggregation of per-peer data into the network's replication picture: which live
 * peers hold each record, which R should (XOR-closest among live peers), and the verdict.
 * No I/O here, so the rules are tested without servers.
 */
import { ringFraction } from "./ids";
import { closestIndices, ownedFractions, ownershipSegments } from "./ring";
import type { RecordStatus, RecordView, ReplicationSummary, RingBin, RingSegmentView, VersionView } from "./snapshot-types";

/** One record as a peer listed it (LocalRecords). */
export interface HeldRecord {
  key: string;
  position: string;
  version: VersionView;
  tombstone: boolean;
}

/** What aggregation needs to know about a peer. */
export interface PeerRecords {
  id: string;
  up: boolean;
  /** Last records fetched from it (stale when down). */
  records: readonly HeldRecord[];
  capped: boolean;
  replicationFactor?: number;
}

export interface Aggregate {
  replication: ReplicationSummary;
  /** Every record, problems first (unavailable, under-replicated), then by position. */
  records: RecordView[];
  ringBins: RingBin[];
  ring: RingSegmentView[];
  /** Exact ring share of each live peer, by ID. */
  owned: Map<string, number>;
}

/** Number of ring bins for aggregated record marks. */
export const RING_BINS = 128;

function compareVersions(a: VersionView, b: VersionView): number {
  return a.wallTimeMs - b.wallTimeMs || a.logical - b.logical || (a.writer < b.writer ? -1 : a.writer > b.writer ? 1 : 0);
}

const statusRank: Record<RecordStatus, number> = { unavailable: 0, under: 1, healthy: 2 };

/**
 * Builds the replication picture. A record is under-replicated when fewer live peers hold
 * it than min(R, live peers) (R cannot be met with fewer peers than R), unavailable when no
 * live peer holds it: only the last data of down peers still shows it. Tombstones are
 * tracked but do not count against health.
 */
export function aggregate(peers: readonly PeerRecords[]): Aggregate {
  const live = peers.filter((p) => p.up && p.id).map((p) => p.id).sort();
  const r = Math.max(0, ...peers.filter((p) => p.up).map((p) => p.replicationFactor ?? 0)) || 3;
  const target = Math.min(r, live.length);

  interface Acc { key: string; position: string; tombstone: boolean; version: VersionView; versions: VersionView[]; holders: string[]; downHolders: string[] }
  const byKey = new Map<string, Acc>();
  for (const p of peers) {
    if (!p.id) continue;
    for (const rec of p.records) {
      let acc = byKey.get(rec.key);
      if (!acc) {
        acc = { key: rec.key, position: rec.position, tombstone: rec.tombstone, version: rec.version, versions: [], holders: [], downHolders: [] };
        byKey.set(rec.key, acc);
      }
      if (compareVersions(rec.version, acc.version) > 0) {
        acc.version = rec.version;
        acc.tombstone = rec.tombstone;
      }
      if (p.up) {
        acc.holders.push(p.id);
        acc.versions.push(rec.version);
      } else {
        acc.downHolders.push(p.id);
      }
    }
  }

  const summary: ReplicationSummary = {
    verdict: "healthy", replicationFactor: r, records: 0, tombstones: 0, healthy: 0,
    underReplicated: 0, unavailable: 0, misplaced: 0, stale: 0, capped: peers.some((p) => p.capped),
  };
  const bins: RingBin[] = Array.from({ length: RING_BINS }, () => ({ count: 0, under: 0, unavailable: 0 }));
  const records: RecordView[] = [];
  for (const acc of byKey.values()) {
    const expected = /^[0-9a-f]{64}$/.test(acc.position) ? closestIndices(live, acc.position, r).map((i) => live[i]!) : [];
    const status: RecordStatus = acc.holders.length === 0 ? "unavailable" : acc.holders.length < target ? "under" : "healthy";
    const stale = acc.versions.some((v) => compareVersions(v, acc.version) !== 0);
    const pos = ringFraction(acc.position);
    records.push({ key: acc.key, position: acc.position, pos, tombstone: acc.tombstone, version: acc.version, holders: acc.holders, downHolders: acc.downHolders, expected, status, stale });
    if (acc.tombstone) {
      summary.tombstones++;
      continue;
    }
    summary.records++;
    if (status === "healthy") summary.healthy++;
    else if (status === "under") summary.underReplicated++;
    else summary.unavailable++;
    if (acc.holders.some((h) => !expected.includes(h))) summary.misplaced++;
    if (stale) summary.stale++;
    const bin = bins[Math.min(RING_BINS - 1, Math.floor(pos * RING_BINS))]!;
    bin.count++;
    if (status === "under") bin.under++;
    if (status === "unavailable") bin.unavailable++;
  }
  summary.verdict = live.length === 0 || summary.unavailable > 0 ? "unavailable" : summary.underReplicated > 0 ? "degraded" : "healthy";
  records.sort((a, b) => statusRank[a.status] - statusRank[b.status] || a.pos - b.pos);

  const fractions = ownedFractions(live);
  const owned = new Map(live.map((id, i) => [id, fractions[i]!]));
  const ring = ownershipSegments(live).map((s) => ({ start: s.start, end: s.end, owner: live[s.owner]! }));
  return { replication: summary, records, ringBins: bins, ring, owned };
}
