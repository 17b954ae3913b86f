/**
 * Per-view slices of a snapshot. The whole snapshot of 50 peers and 500 records is about
 * 1 MB (every peer's k-buckets with full contact records, every record's holder and
 * expected IDs), and each open tab pulled it every second whichever page it showed. Each
 * page now asks for the view it draws; a slice keeps the Snapshot shape, with what the view
 * does not draw left empty ([]), so components take one type. `view` says which slice it is.
 */
import type { PeerView, Snapshot } from "./snapshot-types";

export const SNAPSHOT_VIEWS = ["full", "overview", "topology", "ring", "peers", "peer"] as const;
/**
 * full: everything (the Data page, scripts). overview: peers' figures and op totals.
 * topology: peers with their routing-table links. ring: peers, records, ownership, bins.
 * peers: the peer list only (Files, Fleet, Chaos). peer: one peer in full (buckets,
 * per-op stats), the others as in `peers`.
 */
export type SnapshotView = (typeof SNAPSHOT_VIEWS)[number];

export function isSnapshotView(v: string): v is SnapshotView {
  return (SNAPSHOT_VIEWS as readonly string[]).includes(v);
}

/**
 * Above this many records the ring draws records as bins per stretch of the ring and only
 * problem records one by one, so the ring view sends only those (the bins carry the rest).
 */
export const RING_DETAILED_MAX = 150;

/** A peer without its routing table and per-operation stats (the bulk of a peer's bytes). */
function slim(p: PeerView, keepLinks: boolean): PeerView {
  return { ...p, buckets: [], operations: [], peerRpcs: [], links: keepLinks ? p.links : [] };
}

/** The part of `snap` that `view` draws; `peerKey` (key, ID or name) picks the peer of the "peer" view. */
export function sliceSnapshot(snap: Snapshot, view: SnapshotView, peerKey?: string): Snapshot {
  if (view === "full") return { ...snap, view };
  const isPicked = (p: PeerView) => view === "peer" && !!peerKey && (p.key === peerKey || p.id === peerKey || p.name === peerKey);
  const peers = snap.peers.map((p) => (isPicked(p) ? p : slim(p, view === "topology")));
  const ring = view === "ring";
  const binned = snap.replication.records + snap.replication.tombstones > RING_DETAILED_MAX;
  const records = !ring ? [] : binned ? snap.records.filter((r) => r.status !== "healthy") : snap.records;
  return {
    ...snap, view, peers, records,
    recordsShown: records.length,
    ring: ring ? snap.ring : [],
    ringBins: ring ? snap.ringBins : [],
    ops: view === "overview" ? snap.ops : [],
    opsHistory: view === "overview" ? snap.opsHistory : [],
  };
}

/**
 * The slice the page at `path` polls. The shell's header polls the same one, so there is
 * one request a second per tab and the header never disagrees with the page beneath it.
 */
export function viewForPath(path: string): { view?: SnapshotView; peer?: string } {
  if (path === "/") return { view: "overview" };
  const [, first, second] = path.split("/");
  if (first === "topology" || first === "ring") return { view: first };
  if (first === "peers" && second) return { view: "peer", peer: decodeURIComponent(second) };
  // The Data page draws the ring and its record list from the whole snapshot.
  if (first === "data") return {};
  return { view: "peers" };
}
