/**
 * A node's settings, grouped by the part they tune; each part documents its fields and
 * defaults where it is defined. Presets in the manner of memberlist's DefaultLocalConfig.
 */
import type { KademliaOptions } from "../kademlia/kademlia-node.js";
import type { ReplicationOptions } from "../replication/options.js";
import type { AntiEntropyOptions } from "../anti-entropy/anti-entropy-options.js";
import type { FileOptions } from "../files/file-options.js";
import type { ChunkStoreOptions } from "../files/chunk-store.js";
import type { StorePlacement } from "./store-placement.js";
import type { RecordQuotaOptions } from "../records/record-quota.js";

/** The settings that can change while the node runs (config hot reload). */
export interface LiveNodeOptions {
  replication?: Partial<ReplicationOptions>;
  antiEntropy?: Partial<AntiEntropyOptions>;
  files?: Partial<FileOptions>;
  chunks?: Partial<Pick<ChunkStoreOptions, "diskQuotaBytes" | "chunkLeaseMs">>;
  /** The disk quota of records other than chunks (records/record-quota.ts). */
  records?: Partial<RecordQuotaOptions>;
  /**
   * How far ahead of our clock a remote record's version may be, ms: the max clock offset
   * between peers. Default 1000 (DEFAULT_MAX_CLOCK_OFFSET_MS).
   */
  maxClockOffsetMs?: number;
}

export interface NodeOptions extends LiveNodeOptions {
  kademlia?: KademliaOptions;
  /** Largest chunk accepted, and the disk quota and upload lease to start with. */
  chunks?: Partial<ChunkStoreOptions>;
  /**
   * Latencies kept per client operation and per peer RPC method and side, for the Stats
   * percentiles. Default 1024. 0 keeps counts only: a simulation of 10,000 nodes would
   * otherwise spend most of its memory on latency windows.
   */
  statsWindow?: number;
  /** Which Stores from other peers are accepted by where their key belongs (store-placement.ts). */
  storePlacement?: StorePlacement;
}

/**
 * Short timeouts and no periodic refresh for in-process networks (tests, examples,
 * simulations), where a round trip is a microtask: a dead peer costs 200 ms, not 2 s.
 */
export const memoryNetworkOptions: Readonly<NodeOptions> = Object.freeze({
  kademlia: { rpcTimeoutMs: 200, refreshIntervalMs: 3_600_000 },
  replication: { rpcTimeoutMs: 200 },
});
