/**
 * The one place a node is assembled, from one components object (what the embedder provides:
 * transport, store, clock, logger, metrics hooks, interceptors, extra record types) and its
 * options. Real peers pass the gRPC transport and LMDB; createTestnet, the simulation and the
 * benchmarks pass the in-memory ones; all get the same node.
 */
import { silentLogger, systemClock } from "../types.js";
import type { Clock, Contact, Logger, RecordStore } from "../types.js";
import { interceptHandler, interceptTransport, type ClientInterceptor, type ServerInterceptor } from "../rpc/interceptor.js";
import { deadlineInterceptor } from "../rpc/deadline.js";
import type { Transport } from "../rpc/peer-rpc.js";
import { KademliaNode } from "../kademlia/kademlia-node.js";
import { HybridLogicalClock } from "../records/hlc.js";
import { LocalRecords } from "../records/local-records.js";
import { plainRecords } from "../records/plain-records.js";
import { RecordQuota } from "../records/record-quota.js";
import type { WriterProofs } from "../records/writer-proof.js";
import { CHUNK_PREFIX } from "../files/content-keys.js";
import { ownedRecords } from "../records/owned/owned-records.js";
import { RecordTypeRegistry } from "../records/record-registry.js";
import type { RecordType } from "../records/record-type.js";
import { IndexedRecordStore } from "../store/indexed-store.js";
import { ReplicationCoordinator } from "../replication/coordinator.js";
import { resolveReplicationOptions } from "../replication/options.js";
import { AntiEntropy } from "../anti-entropy/anti-entropy.js";
import { ChunkStore } from "../files/chunk-store.js";
import { chunkRecords, manifestRecords } from "../files/content-records.js";
import { FileService } from "../files/file-service.js";
import { LeaseSweeper } from "../files/lease-sweeper.js";
import type { NodeMetricsHooks } from "../observability/metrics-hooks.js";
import { clientTimingInterceptor, RpcStats, serverTimingInterceptor } from "../observability/rpc-stats.js";
import { DhtNode } from "./dht-node.js";
import { Tracer, type SpanSink } from "../tracing/tracer.js";
import { clientTracingInterceptor, serverTracingInterceptor } from "../tracing/tracing-interceptors.js";
import type { NodeOptions } from "./node-options.js";
import { NodePeerHandler } from "./peer-handler.js";
import { Departure, departureInterceptor } from "./departure.js";
import { CollectedDeletes, type DeleteLog } from "../records/collected-deletes.js";

/** What record types built into a node get to work with. */
export interface RecordTypeContext {
  /** The node's store, indexed for anti-entropy: keep records here so repair sees them. */
  store: RecordStore;
  transport: Transport;
  /** The largest plain value (live setting), for types whose values are ordinary records. */
  maxValueBytes: () => number;
  logger: Logger;
}

export interface NodeComponents {
  /** This node's contact (its ID and the addresses others reach it at). */
  self: Contact;
  /** How it calls other peers: gRPC in real peers, a MemoryNetwork attachment in tests. */
  transport: Transport;
  /** Durable record storage: LMDB in real peers, MemoryRecordStore in tests. */
  store: RecordStore;
  /** Where collected deletes persist (the peer's database); default: memory only. */
  deleteLog?: DeleteLog;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: silent. */
  logger?: Logger;
  /** Floats in [0, 1) for refresh targets; seed it for reproducible simulations. */
  random?: () => number;
  /** What the node reports as it works (Prometheus in real peers). */
  metrics?: NodeMetricsHooks;
  /**
   * More interceptors, inside the built-in ones (timing outermost, then the deadline): a
   * client interceptor sees each call after its deadline is set, so one that never answers is
   * still cut by it (fault injection, tracing).
   */
  interceptors?: { client?: readonly ClientInterceptor[]; server?: readonly ServerInterceptor[] };
  /**
   * Where spans of sampled traces go (a bounded store, an OTLP exporter). Without it nothing
   * is recorded, and calls carry no trace context.
   */
  spans?: SpanSink;
  /**
   * The tracer to record with, instead of one built on `spans`: an embedder that records its
   * own spans (the API's request span) shares one, so the spans of a trace still open on this
   * peer are counted together (Tracer.open) and a trace reader can wait for them.
   */
  tracer?: Tracer;
  /** Record types asked before the built-in ones (chunks, manifests, plain values). */
  recordTypes?: (ctx: RecordTypeContext) => readonly RecordType[];
  /**
   * Signs the plain values and tombstones this node writes and checks those it receives
   * (records/writer-proof.ts). Real peers use their identity key; without it (in-memory tests)
   * nothing is signed or checked.
   */
  writerProofs?: WriterProofs;
  /** The contact a peer proved for itself when it last answered us (KademliaComponents.provenContact). */
  provenContact?: (dialled: Contact) => Contact | undefined;
}

/** Builds a node; nothing runs until `node.start()` (tests and simulations drive it by hand). */
export function createNode(components: NodeComponents, options: NodeOptions = {}): DhtNode {
  const clock = components.clock ?? systemClock;
  const logger = components.logger ?? silentLogger;
  const self = components.self;
  const rpcStats = new RpcStats(options.statsWindow ?? 1024);
  const tracer = components.tracer ?? (components.spans ? new Tracer(self.id, components.spans) : undefined);
  const transport = interceptTransport(components.transport, [
    clientTimingInterceptor(rpcStats, components.metrics),
    // Outside the deadline, so a call's span ends with DEADLINE_EXCEEDED when it times out.
    ...(tracer ? [clientTracingInterceptor(tracer)] : []),
    deadlineInterceptor,
    ...(components.interceptors?.client ?? []),
  ]);
  const store = new IndexedRecordStore(components.store);
  const kademlia = new KademliaNode(
    {
      self,
      transport,
      clock,
      logger,
      // Called only once the node runs, after antiEntropy below exists.
      onContactAdded: () => antiEntropy.contactAdded(),
      onContactHeard: (c) => antiEntropy.contactHeard(c.id),
      ...(components.provenContact ? { provenContact: components.provenContact } : {}),
      ...(components.random ? { random: components.random } : {}),
      ...(components.metrics?.lookup ? { onLookupEvent: components.metrics.lookup } : {}),
    },
    options.kademlia,
  );
  const hlc = new HybridLogicalClock({ self: self.id, clock, ...(options.maxClockOffsetMs === undefined ? {} : { maxOffsetMs: options.maxClockOffsetMs }) });

  // Record types. Plain values read the coordinator's live limit; built before it exists.
  let coordinator: ReplicationCoordinator | undefined;
  const replicationAtStart = resolveReplicationOptions(options.replication ?? {});
  const replication = () => coordinator?.options ?? replicationAtStart;
  const maxValueBytes = () => replication().maxValueBytes;
  const onCorrupt = (key: string) => logger.warn({ key }, "corrupt content record dropped");
  const chunks = new ChunkStore(store, options.chunks, onCorrupt, clock);
  // Chunks count against the chunk store's quota; every other record against this one.
  const recordQuota = new RecordQuota(store, (key) => key.startsWith(CHUNK_PREFIX), options.records);
  const registry = new RecordTypeRegistry([
    ...(components.recordTypes?.({ store, transport, maxValueBytes, logger }) ?? []),
    ownedRecords(store, maxValueBytes, logger, recordQuota),
    chunkRecords(chunks, transport),
    manifestRecords(store, maxValueBytes, onCorrupt, recordQuota),
    plainRecords(store, maxValueBytes, recordQuota),
  ], components.writerProofs);
  const records = new LocalRecords(store, registry, hlc, new CollectedDeletes(undefined, components.deleteLog));

  const departure = new Departure();
  coordinator = new ReplicationCoordinator(
    // `stored` is called only once the node runs, after antiEntropy below exists.
    { router: kademlia, transport, records, clock: hlc, logger, stored: (key) => antiEntropy.stored(key), storesLocally: () => departure.phase === "member", ...(components.metrics ? { metrics: components.metrics } : {}), statsWindow: options.statsWindow ?? 1024, ...(tracer ? { tracer } : {}) },
    replicationAtStart,
  );
  const antiEntropy = new AntiEntropy(
    { self, router: kademlia, transport, records, contacts: () => kademlia.routingTable.all(), replication, clock, logger },
    options.antiEntropy,
  );
  const files = new FileService({ router: kademlia, transport, chunks, records, replication, logger }, options.files);
  const holders = () => {
    const r = replication().replicationFactor;
    return r + (options.storePlacement?.slack ?? 2 * r);
  };
  const peerHandler = new NodePeerHandler({ kademlia, records, sync: antiEntropy.handlers, chunks, nudge: () => antiEntropy.nudge(), stored: (key) => antiEntropy.stored(key), holders });
  const handler = interceptHandler(peerHandler, [
    serverTimingInterceptor(rpcStats, components.metrics),
    ...(tracer ? [serverTracingInterceptor(tracer)] : []),
    departureInterceptor(departure),
    ...(components.interceptors?.server ?? []),
  ]);

  return new DhtNode({
    self,
    transport,
    handler,
    kademlia,
    hlc,
    records,
    coordinator,
    antiEntropy,
    chunks,
    recordQuota,
    files,
    sweeper: new LeaseSweeper(chunks, logger),
    rpcStats,
    departure,
    logger,
  });
}
