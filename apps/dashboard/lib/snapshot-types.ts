/**
 * The JSON the dashboard's server hands the browser (GET /api/snapshot). Plain data only:
 * client components import these types, never the server modules that build them.
 */
import type { SnapshotView } from "./snapshot-slice";

/**
 * "up": answered every call of the last poll. "suspect": was up but missed the last poll (still
 * counted as a live holder). "down": missed several polls in a row, never answered, or the
 * controller says it is not running.
 */
export type PeerStatus = "up" | "suspect" | "down";

export interface ContactView {
  id: string;
  grpcAddress: string;
  httpAddress: string;
  lastSeenMs: number;
  failures: number;
}

export interface BucketView {
  index: number;
  refreshedAtMs: number;
  contacts: ContactView[];
}

export interface OpStatView {
  name: string;
  count: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

export interface VersionView {
  wallTimeMs: number;
  logical: number;
  writer: string;
}

/** A peer's injected faults as the controller reports them (FleetPeer.faults). */
export interface PeerFaultsView {
  /** Names of the peers this one cannot reach (a partition). */
  partitionedFrom: string[];
  /** Added to every call the peer makes. */
  delayMs: number;
  /** How far the peer's clock is moved (negative: behind). */
  clockSkewMs: number;
  /** SIGSTOPped: answers nothing until resumed. */
  paused: boolean;
}

export interface PeerView {
  /** Stable key for React and URLs: the peer ID, or "fleet:<name>" / "addr:<host:port>" before it is known. */
  key: string;
  /** Peer ID (64 lowercase hex); "" until the peer has answered once. */
  id: string;
  /** The fleet controller's name ("peer-3"), when the controller manages this peer. */
  name?: string;
  httpAddress: string;
  grpcAddress: string;
  status: PeerStatus;
  /** The controller's state ("running", "stopped", "crashed", …) when it manages this peer. */
  fleetState?: string;
  pid?: number;
  restarts?: number;
  lastExit?: string;
  /** Faults the controller has injected into this peer (only for peers it manages). */
  faults?: PeerFaultsView;
  /** When the last complete answer arrived (dashboard clock); undefined if never. */
  lastOkAtMs?: number;
  /** Why the last poll failed. */
  lastError?: string;
  /** Position on the ring as a fraction in [0, 1); 0 when the ID is unknown. */
  position: number;
  /** Exact share of the ring this peer is XOR-closest to, among live peers (0 when down). */
  ownedFraction: number;
  version?: string;
  startedAtMs?: number;
  uptimeMs?: number;
  replicationFactor?: number;
  writeQuorum?: number;
  readQuorum?: number;
  consistency?: string;
  /** "tls" or "insecure" (plaintext between peers, --insecure); undefined from a peer that does not say. */
  peerTransport?: string;
  /** The private network's tag, "" on an open network. */
  networkTag?: string;
  contacts: number;
  /** Records the peer says it holds (its own count). */
  records: number;
  /** Records the dashboard fetched from it (capped by maxRecordsPerPeer). */
  recordsFetched: number;
  recordsCapped: boolean;
  /** Routing-table contacts: directed edges this peer → contact. */
  links: string[];
  buckets: BucketView[];
  operations: OpStatView[];
  peerRpcs: OpStatView[];
  /** Client operations per second since the previous poll. */
  opsPerSec: number;
}

export type RecordStatus = "healthy" | "under" | "unavailable";

export interface RecordView {
  key: string;
  /** SHA-256 of the key, lowercase hex. */
  position: string;
  /** Ring fraction of `position`. */
  pos: number;
  tombstone: boolean;
  /** Newest version seen among holders. */
  version: VersionView;
  /** Live peers holding it (any version). */
  holders: string[];
  /** Down peers whose last data showed it. */
  downHolders: string[];
  /** The R live peers XOR-closest to its position, closest first. */
  expected: string[];
  status: RecordStatus;
  /** Some live holder has an older version than the newest. */
  stale: boolean;
}

export type Verdict = "healthy" | "degraded" | "unavailable";

export interface ReplicationSummary {
  verdict: Verdict;
  /** Replication factor the peers report (largest seen), 3 when none answered. */
  replicationFactor: number;
  /** Live records (tombstones excluded). */
  records: number;
  tombstones: number;
  healthy: number;
  underReplicated: number;
  unavailable: number;
  /** Records with a live holder outside the expected R closest (waiting for hand-off). */
  misplaced: number;
  /** Records whose live holders disagree on the version. */
  stale: number;
  /** True when some peer held more records than the dashboard fetches: counts are lower bounds. */
  capped: boolean;
}

/** Records aggregated per stretch of the ring, for drawing when there are too many to draw one by one. */
export interface RingBin {
  count: number;
  under: number;
  unavailable: number;
}

export interface OpSummary {
  name: string;
  opsPerSec: number;
  count: number;
  errors: number;
  /** Count-weighted mean of the peers' p50. */
  p50Ms: number;
  /** Largest p99 among the peers. */
  p99Ms: number;
}

export interface FleetSummary {
  /** FLEET_URL is set: fleet controls are shown. */
  configured: boolean;
  /** The last ListPeers answered. */
  ok: boolean;
  error?: string;
  maxPeers?: number;
}

export interface RingSegmentView {
  start: number;
  end: number;
  owner: string;
}

export interface Snapshot {
  /** Which slice of the snapshot this is (lib/snapshot-slice): what it leaves out is empty. */
  view?: SnapshotView;
  takenAtMs: number;
  /** How long building this snapshot took. */
  buildMs: number;
  fleet: FleetSummary;
  peers: PeerView[];
  /** True when more peers were discovered than the dashboard tracks (maxPeers). */
  peersCapped: boolean;
  replication: ReplicationSummary;
  /** At most `maxRecordsInSnapshot` records: problems first, then by position. Page the rest with /api/records. */
  records: RecordView[];
  recordsShown: number;
  ringBins: RingBin[];
  ring: RingSegmentView[];
  /** Every peer's counters summed: down peers' last known ones too, and counts from before restarts. */
  ops: OpSummary[];
  opsPerSec: number;
  /** Down peers whose last known counters are in `ops` (they may have done more before dying). */
  opsFromDownPeers: number;
  /** Recent network-wide ops/s, oldest first (one point per poll). */
  opsHistory: { atMs: number; opsPerSec: number }[];
}
