/** The snapshot collector's settings, and what it keeps of each peer between polls. */
import type { CarriedCounts } from "./op-totals";
import type { PeerState } from "@p2p/proto/fleet";
import { fleetClient, nodeClient, type FleetClient, type NodeClient } from "./clients";
import type { PeerData } from "./peer-data";
import type { PeerFaultsView, RecordStatus } from "./snapshot-types";

export interface SnapshotOptions {
  /** Fleet controller base URL (e.g. "http://127.0.0.1:7000"); unset: no controller, crawl only. */
  fleetUrl?: string;
  /** Sent as a bearer token on fleet calls. */
  fleetToken?: string;
  /** Peer HTTP addresses ("host:port") to start crawling from. Default none. */
  seeds?: string[];
  /** Deadline for each peer's (and the controller's) answers per poll. Default 800 ms: a poll a second must not pile up. */
  timeoutMs?: number;
  /** Peers polled at once. Default 32: 100 peers in a few round trips without hundreds of sockets at once. */
  concurrency?: number;
  /** Peers tracked at most; further discoveries are ignored and flagged. Default 256. */
  maxPeers?: number;
  /** Records fetched per peer per poll. Default 2000; beyond it the counts are lower bounds (flagged). */
  maxRecordsPerPeer?: number;
  /** A peer's record listing is reused while its count is unchanged and the listing is younger than this. Default 10 s. */
  recordsMaxAgeMs?: number;
  /** Records sent in each snapshot (problems first). Default 400; the rest are paged via queryRecords. */
  maxRecordsInSnapshot?: number;
  /** Consecutive failed polls before a peer that answered before is declared down (it is "suspect" until then). Default 2. */
  downAfterFailures?: number;
  /** Crawl rounds per poll (each polls the peers the previous one discovered). Default 4. */
  crawlWaves?: number;
  /** A down peer no source mentions any more is dropped after this long. Default 5 min. */
  forgetAfterMs?: number;
  /** Points of ops/s history kept. Default 120. */
  historyPoints?: number;
  /**
   * Whether a crawled peer address ("host:port") may be polled; peers the controller lists
   * always are. Default: the seeds and their /24 or /64 (lib/security/peer-allowlist).
   */
  allowPeer?: (hostPort: string) => boolean;
  /** Client factories, replaceable in tests. */
  nodeClient?: (httpAddress: string) => NodeClient;
  fleetClient?: (baseUrl: string, token?: string) => FleetClient;
}

export interface Entry {
  key: string;
  id: string;
  httpAddress: string;
  grpcAddress: string;
  fleet?: { name: string; state: PeerState; pid: number; restarts: number; lastExit: string; faults: PeerFaultsView };
  data?: PeerData;
  /** Counted as live: answered, and has not missed `downAfterFailures` polls in a row since. */
  up: boolean;
  /** Consecutive failed polls. */
  failures: number;
  lastOkAtMs?: number;
  lastError?: string;
  /** Last time the controller, a seed or a live peer's routing table mentioned it. */
  mentionedAtMs: number;
  prevCounts?: { atMs: number; counts: Map<string, number> };
  rates: Map<string, number>;
  /** Counts reached before the peer's counters were reset by a restart (lib/op-totals). */
  carried?: CarriedCounts;
}

export interface RecordQuery {
  /** Substring of the key or prefix of the position. */
  q?: string;
  status?: RecordStatus;
  /** Only records this peer (ID) holds. */
  holder?: string;
  offset?: number;
  limit?: number;
}

export type ResolvedSnapshotOptions = Required<Omit<SnapshotOptions, "fleetUrl" | "fleetToken" | "allowPeer">> & Pick<SnapshotOptions, "fleetUrl" | "fleetToken" | "allowPeer">;

/** Fills the defaults documented on SnapshotOptions. */
export function resolveSnapshotOptions(opts: SnapshotOptions): ResolvedSnapshotOptions {
  return {
    fleetUrl: opts.fleetUrl, fleetToken: opts.fleetToken, allowPeer: opts.allowPeer, seeds: opts.seeds ?? [], timeoutMs: opts.timeoutMs ?? 800,
    concurrency: opts.concurrency ?? 32, maxPeers: opts.maxPeers ?? 256, maxRecordsPerPeer: opts.maxRecordsPerPeer ?? 2000, recordsMaxAgeMs: opts.recordsMaxAgeMs ?? 10_000,
    maxRecordsInSnapshot: opts.maxRecordsInSnapshot ?? 400, crawlWaves: opts.crawlWaves ?? 4, downAfterFailures: Math.max(1, opts.downAfterFailures ?? 2), forgetAfterMs: opts.forgetAfterMs ?? 300_000,
    historyPoints: opts.historyPoints ?? 120, nodeClient: opts.nodeClient ?? nodeClient, fleetClient: opts.fleetClient ?? fleetClient,
  };
}
