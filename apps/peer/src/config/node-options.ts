/** A peer's configuration as the options of its DHT node: what createNode starts with and what a config reload changes live. */
import { defaultAntiEntropyOptions, MAX_CHUNK_SIZE } from "@p2p/dht";
import type { LiveNodeOptions, NodeOptions } from "@p2p/dht";
import type { PeerConfig } from "./peer-config.js";

/** The settings a reloaded config file changes while the node runs. */
export function liveNodeOptions(c: PeerConfig): Required<LiveNodeOptions> {
  return {
    replication: {
      writeQuorum: c.writeQuorum,
      readQuorum: c.readQuorum,
      consistency: c.consistency,
      maxValueBytes: c.maxValueBytes,
      rpcTimeoutMs: c.rpcTimeoutMs,
      requestTimeoutMs: c.requestTimeoutMs,
      writePolicy: c.writePolicy,
      maxBatchKeys: c.maxBatchKeys,
      hedgeReads: c.hedgeReads,
      hedgePercentile: c.hedgePercentile,
      hedgeMinMs: c.hedgeMinMs,
      hedgeMaxMs: c.hedgeMaxMs,
      hedgeBudgetPercent: c.hedgeBudgetPercent,
    },
    // The tombstone grace defaults to the core's (10 days), and is never under 2 repair intervals.
    antiEntropy: {
      repairIntervalMs: c.repairIntervalMs,
      tombstoneGraceMs: c.tombstoneGraceMs ?? Math.max(defaultAntiEntropyOptions.tombstoneGraceMs, 2 * c.repairIntervalMs),
      maxHints: c.maxHints,
      maxCollectedDeletes: c.maxCollectedDeletes,
    },
    files: { maxFileBytes: c.maxFileBytes },
    chunks: { diskQuotaBytes: c.diskQuotaBytes, chunkLeaseMs: c.chunkLeaseMs },
    records: { recordQuotaBytes: c.recordQuotaBytes },
    maxClockOffsetMs: c.maxClockOffsetMs,
  };
}

/** Everything the node starts with. */
export function nodeOptionsOf(c: PeerConfig): NodeOptions {
  const live = liveNodeOptions(c);
  return {
    kademlia: { rpcTimeoutMs: c.rpcTimeoutMs, refreshIntervalMs: c.refreshIntervalMs },
    replication: { ...live.replication, replicationFactor: c.replicationFactor },
    antiEntropy: live.antiEntropy,
    files: live.files,
    chunks: { ...live.chunks, maxChunkBytes: MAX_CHUNK_SIZE },
    records: live.records,
    maxClockOffsetMs: live.maxClockOffsetMs,
  };
}
