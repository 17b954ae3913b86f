export * from "./types.js";
export { DhtError, DHT_ERROR_CODES, errorCode, isDhtErrorCode, grpcCodeOf, codeOfGrpc, type DhtErrorCode } from "./errors.js";
export { compareVersions, isNewer } from "./replication/version.js";
export { DhtNode, type DhtNodeComponents, type DhtNodeOptions } from "./dht-node.js";
export { KademliaNode, localKademliaOptions, type KademliaComponents, type KademliaOptions } from "./kademlia/kademlia-node.js";
export { RoutingTable, type BucketInfo, type RoutingTableOptions, type FailureOutcome, type TableTouchResult } from "./kademlia/routing-table.js";
export type { LookupEvent, LookupListener, QuerySentEvent, PeerRespondedEvent, PeerFailedEvent, LookupFinishedEvent } from "./kademlia/lookup-events.js";
export { sha256Hex, isNodeId, xorDistance, compareDistance, bucketIndex, sortByDistance, randomIdInBucket, idToBigInt } from "./kademlia/node-id.js";
export { iterativeLookup, errorCodeOf, type LookupConfig, type LookupContext } from "./kademlia/lookup.js";
export { KBucket, type BucketEntry, type TouchResult } from "./kademlia/k-bucket.js";
export { createTestnet, routingRpcHandler, testContact, type Testnet, type CreatedTestnet, type TestnetOptions } from "./kademlia/testnet.js";
export { MemoryNetwork, type MemoryNetworkOptions, type MemoryMethod } from "./transport/memory.js";
export { MemoryRecordStore } from "./store/memory-store.js";
export { HybridLogicalClock, type HybridLogicalClockOptions } from "./replication/hlc.js";
export {
  ReplicationCoordinator,
  type ReplicationComponents,
  type WriteResult,
  type ReadOptions,
  type ReadResult,
  type ReplicaReport,
  type LookupTrace,
} from "./replication/coordinator.js";
export { defaultReplicationOptions, resolveReplicationOptions, type ReplicationOptions } from "./replication/options.js";
export { RecordHandlers, type RecordHandlerOptions } from "./replication/record-handlers.js";
export { validateKey, validateValueSize, validateVersion, validateRecord, MAX_KEY_BYTES, type RecordLimits } from "./replication/record-validation.js";
export { OperationStats, type OperationStatsSnapshot, type Operation } from "./replication/op-stats.js";
export * from "./files/index.js";
export { runSimulation, type SimulationOptions, type SimulationReport, type GetRound, type Distribution } from "./simulation/simulation.js";
export { buildConvergedNetwork, type ConvergedNetwork, type ConvergedNetworkOptions } from "./simulation/converged-network.js";
export { seededRandom, type SeededRandom } from "./simulation/seeded-random.js";
export { AntiEntropy, type AntiEntropyComponents, type ReplicationHealth, type LeaveResult } from "./replication/anti-entropy.js";
export { defaultAntiEntropyOptions, resolveAntiEntropyOptions, type AntiEntropyOptions } from "./replication/anti-entropy-options.js";
export type { ValuelessUpgrades } from "./replication/valueless-upgrade.js";
export { IndexedRecordStore, type IndexEntry } from "./replication/indexed-store.js";
export { replicaStatus, type ReplicaStatus, type ReplicaHolderStatus } from "./replication/replica-status.js";
export { LEAF_COUNT, RangeDigest } from "./replication/range-digest.js";
export * from "./files/index.js";
