/**
 * @p2p/dht: a complete DHT node (Kademlia routing, Dynamo-style replication, anti-entropy,
 * content-addressed files) written against a transport and a record store, built by
 * `createNode`. Nothing here knows gRPC, Connect or a disk.
 */
export * from "./types.js";
export { DhtError, ConflictError, OwnedConflictError, DHT_ERROR_CODES, errorCode, isDhtErrorCode, grpcCodeOf, codeOfGrpc, type DhtErrorCode, type DhtErrorReason } from "./errors.js";

// The node and its builder.
export { createNode, type NodeComponents, type RecordTypeContext } from "./node/create-node.js";
export { DhtNode } from "./node/dht-node.js";
export { memoryNetworkOptions, type NodeOptions, type LiveNodeOptions } from "./node/node-options.js";

// The peer-to-peer protocol and its interceptors.
export {
  PEER_METHODS,
  PEER_METHOD_NAMES,
  PEER_METHOD_NAME_LIST,
  sendCall,
  handleCall,
  unimplementedHandler,
  unimplementedTransport,
  type PeerMethod,
  type PeerMethodName,
  type PeerRequests,
  type PeerResponses,
  type Transport,
  type PeerRpcHandler,
  type StoreChunkRequest,
  type ChunkStoreResult,
  type CommitResult,
  type ReleaseResult,
  type StoreManyOutcome,
  type FindValueManyOutcome,
  MAX_BATCH_RECORDS,
  type OutgoingCall,
  type IncomingCall,
} from "./rpc/peer-rpc.js";
export { interceptTransport, interceptHandler, type ClientInterceptor, type ServerInterceptor, type SendFn, type HandleFn } from "./rpc/interceptor.js";
export { withDeadline, deadlineInterceptor, OperationScope } from "./rpc/deadline.js";
export { lateHandler } from "./rpc/late-handler.js";

// Tracing (W3C trace context; spans of sampled operations, handed to the embedder's sink).
export { parseTraceparent, formatTraceparent, newTraceId, newSpanId, isTraceId, type SpanContext } from "./tracing/trace-context.js";
export { OpenSpans } from "./tracing/open-spans.js";
export { Tracer, Span, startSpan, type FinishedSpan, type SpanSink, type SpanAttributes, type SpanKind, type CallTrace } from "./tracing/tracer.js";
export { clientTracingInterceptor, serverTracingInterceptor } from "./tracing/tracing-interceptors.js";
export { traceSignal, traceOfSignal } from "./tracing/signal-trace.js";

// Observability.
export { OperationStats, type OperationStatsSnapshot, type OperationSnapshot, type Operation } from "./observability/op-stats.js";
export { RpcStats } from "./observability/rpc-stats.js";
export type { NodeMetricsHooks, RpcSide, Outcome, NodeEvent } from "./observability/metrics-hooks.js";
export { NODE_EVENTS } from "./observability/metrics-hooks.js";

// Routing.
export { KademliaNode, localKademliaOptions, type KademliaComponents, type KademliaOptions } from "./kademlia/kademlia-node.js";
export { RoutingTable, type BucketInfo, type RoutingTableOptions, type FailureOutcome, type TableTouchResult } from "./kademlia/routing-table.js";
export type { LookupEvent, LookupListener, QuerySentEvent, PeerRespondedEvent, PeerFailedEvent, LookupFinishedEvent } from "./kademlia/lookup-events.js";
export { sha256Hex, isNodeId, xorDistance, compareDistance, bucketIndex, sortByDistance, randomIdInBucket, idToBigInt } from "./kademlia/node-id.js";
export { iterativeLookup, errorCodeOf, type LookupConfig, type LookupContext } from "./kademlia/lookup.js";
export { KBucket, type BucketEntry, type TouchResult } from "./kademlia/k-bucket.js";

// Records.
export { compareVersions, isNewer } from "./records/version.js";
export { HybridLogicalClock, type HybridLogicalClockOptions } from "./records/hlc.js";
export { validateKey, validateValueSize, validateVersion, validateRecord, MAX_KEY_BYTES, type RecordLimits } from "./records/record-validation.js";
export type { RecordType, ValuelessUpgrade } from "./records/record-type.js";
export { RecordTypeRegistry } from "./records/record-registry.js";
export { plainRecords } from "./records/plain-records.js";
export { LocalRecords } from "./records/local-records.js";
export * from "./records/owned/index.js";
export { OwnedOperations, type OwnedPutOptions, type OwnedReadResult } from "./replication/owned-operations.js";
export { MemoryRecordStore } from "./store/memory-store.js";
export { IndexedRecordStore, type IndexEntry } from "./store/indexed-store.js";

// Replication and repair.
export {
  ReplicationCoordinator,
  type ReplicationComponents,
  type OperationOptions,
  type WriteResult,
  type BatchEntry,
  type BatchReadOutcome,
  type BatchWriteOutcome,
  type ReadOptions,
  type ReadResult,
  type ReplicaReport,
  type LookupTrace,
} from "./replication/coordinator.js";
export { defaultReplicationOptions, resolveReplicationOptions, refuseUnsigned, type ReplicationOptions, type WritePolicy } from "./replication/options.js";
export { replicaStatus, type ReplicaStatus, type ReplicaHolderStatus } from "./replication/replica-status.js";
export { replicaCandidates, SpareCandidates } from "./replication/replica-candidates.js";
export { startQuorumWrite, writeAndSettle, type QuorumWrite, type QuorumWriteOptions, type WriteReport, type WriteFailure } from "./replication/quorum-writer.js";
export { AntiEntropy, type AntiEntropyComponents, type ReplicationHealth, type LeaveResult } from "./anti-entropy/anti-entropy.js";
export { CollectedDeletes, DEFAULT_MAX_COLLECTED_DELETES, type DeleteLog } from "./records/collected-deletes.js";
export { defaultAntiEntropyOptions, resolveAntiEntropyOptions, type AntiEntropyOptions } from "./anti-entropy/anti-entropy-options.js";
export { LEAF_COUNT, RangeDigest } from "./anti-entropy/range-digest.js";

// Files.
export * from "./files/index.js";

// In-memory network, test networks and simulations.
export { MemoryNetwork, type MemoryNetworkOptions, type MemoryMethod } from "./transport/memory.js";
export { createTestnet, Testnet, testContact, mergeNodeOptions, pieces, collect, type TestnetOptions } from "./testing/testnet.js";
export { runSimulation, type SimulationOptions, type SimulationReport, type GetRound, type Distribution } from "./simulation/simulation.js";
export { measureRepeatedOperations, type RepeatedOperationsOptions, type RepeatedOperationsReport } from "./simulation/repeated-operations.js";
export { runWanSimulation, type WanSimulationOptions, type WanSimulationReport, type WanRound, type WanOpRound } from "./simulation/wan-simulation.js";
export { buildConvergedNetwork, type ConvergedNetwork, type ConvergedNetworkOptions } from "./simulation/converged-network.js";
export { seededRandom, type SeededRandom } from "./simulation/seeded-random.js";
export { FaultInjector, FAULT_LIMITS, NO_FAULTS, validateFaultRules, type FaultRules, type PeerDelay } from "./faults/fault-injector.js";
export { ed25519WriterProofs, writerSignedBytes, DEFAULT_VERIFIED_CACHE_SIZE, type WriterProofs, type WriterProofOptions } from "./records/writer-proof.js";
export { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, rawEd25519PublicKey, verifyEd25519 } from "./records/ed25519.js";
