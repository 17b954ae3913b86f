/**
 * A DHT node: Kademlia routing plus Dynamo-style replication over one transport and one record
 * store. It is the PeerRpcHandler the transport's server side calls, and the coordinator the
 * public API calls. Real peers build it with the gRPC transport and LMDB; tests and
 * simulations with the in-memory network and store.
 */
import type {
  Clock,
  Contact,
  DhtRecord,
  FindValueResult,
  Logger,
  NodeId,
  PeerRpcHandler,
  RecordStore,
  StoreResult,
  SyncDigestRequest,
  SyncDigestResult,
  SyncKeysRequest,
  SyncKeysResult,
  Transport,
} from "./types.js";
import { silentLogger, systemClock } from "./types.js";
import { KademliaNode, type KademliaOptions } from "./kademlia/kademlia-node.js";
import type { LookupListener } from "./kademlia/lookup-events.js";
import { ReplicationCoordinator, type ReadOptions, type ReadResult, type WriteResult } from "./replication/coordinator.js";
import { HybridLogicalClock } from "./replication/hlc.js";
import { resolveReplicationOptions, type ReplicationOptions } from "./replication/options.js";
import { RecordHandlers } from "./replication/record-handlers.js";
import { AntiEntropy, type LeaveResult, type ReplicationHealth } from "./replication/anti-entropy.js";
import type { AntiEntropyOptions } from "./replication/anti-entropy-options.js";
import { IndexedRecordStore } from "./replication/indexed-store.js";
import { replicaStatus, type ReplicaStatus } from "./replication/replica-status.js";

/** Goodbyes remembered at most. */
const MAX_DEPARTED = 1024;

export interface DhtNodeComponents {
  self: Contact;
  transport: Transport;
  store: RecordStore;
  clock?: Clock;
  logger?: Logger;
  /** Floats in [0, 1) for refresh targets; seed it for reproducible simulations. */
  random?: () => number;
  /** Every lookup's events (logs, metrics). */
  onLookupEvent?: LookupListener;
}

export interface DhtNodeOptions {
  kademlia?: KademliaOptions;
  replication?: Partial<ReplicationOptions>;
  /** Maximum tolerated clock skew of a remote record's version, ms. Default 1 hour. */
  maxClockDriftMs?: number;
  /** Anti-entropy, hand-off and tombstone collection (see AntiEntropyOptions for defaults). */
  antiEntropy?: Partial<AntiEntropyOptions>;
}

export class DhtNode implements PeerRpcHandler {
  readonly self: Contact;
  readonly kademlia: KademliaNode;
  readonly coordinator: ReplicationCoordinator;
  /** The record store, indexed for anti-entropy (every write must go through it). */
  readonly store: IndexedRecordStore;
  readonly hlc: HybridLogicalClock;
  /** Repair, hand-off and tombstone collection; started and stopped with the node. */
  readonly antiEntropy: AntiEntropy;
  private readonly transport: Transport;
  private readonly handlers: RecordHandlers;
  #leaving: Promise<LeaveResult> | undefined;
  /** Peers that said goodbye (see #heard). */
  readonly #departed = new Set<NodeId>();

  constructor(components: DhtNodeComponents, options: DhtNodeOptions = {}) {
    const clock = components.clock ?? systemClock;
    const logger = components.logger ?? silentLogger;
    this.self = components.self;
    const store = new IndexedRecordStore(components.store);
    this.store = store;
    this.transport = components.transport;
    this.kademlia = new KademliaNode(
      { self: components.self, transport: components.transport, clock, logger, random: components.random, onLookupEvent: components.onLookupEvent },
      options.kademlia,
    );
    this.hlc = new HybridLogicalClock({ self: components.self.id, clock, maxDriftMs: options.maxClockDriftMs });
    const replication = resolveReplicationOptions(options.replication ?? {});
    this.coordinator = new ReplicationCoordinator(
      { router: this.kademlia, transport: components.transport, store, clock: this.hlc, logger },
      replication,
    );
    this.handlers = new RecordHandlers(
      { router: this.kademlia, store, clock: this.hlc },
      { maxValueBytes: replication.maxValueBytes, contacts: this.kademlia.k },
    );
    this.antiEntropy = new AntiEntropy(
      {
        self: components.self,
        router: this.kademlia,
        transport: components.transport,
        store,
        hlc: this.hlc,
        contacts: () => this.kademlia.routingTable.all(),
        replication: () => this.coordinator.options,
        clock,
        logger,
      },
      options.antiEntropy,
    );
  }

  /**
   * Learns the sender; a contact we did not know changes replica sets, so repair runs soon.
   * A peer that said goodbye is not learned back from the records it pushes while leaving;
   * only a Ping or FindNode (what a rejoining peer sends) brings it back.
   */
  #heard(from: Contact, joining = false): void {
    if (this.#departed.has(from.id)) {
      if (!joining) return;
      this.#departed.delete(from.id);
    }
    const known = this.kademlia.routingTable.get(from.id) !== undefined;
    this.kademlia.learn(from);
    if (!known && this.kademlia.routingTable.get(from.id) !== undefined) this.antiEntropy.nudge();
  }

  // --- incoming peer requests: every verified message teaches us its sender -------------

  onPing(from: Contact): void {
    this.#heard(from, true);
  }

  onFindNode(from: Contact, target: NodeId): Contact[] {
    this.#heard(from, true);
    return this.kademlia.handleFindNode(from, target);
  }

  onFindValue(from: Contact, key: string): Promise<FindValueResult> {
    this.#heard(from);
    return this.handlers.handleFindValue(from, key);
  }

  onStore(from: Contact, record: DhtRecord): Promise<StoreResult> {
    this.#heard(from);
    return this.handlers.handleStore(from, record);
  }

  async onSyncDigest(from: Contact, request: SyncDigestRequest): Promise<SyncDigestResult> {
    this.#heard(from);
    await this.store.load();
    return this.antiEntropy.handlers.handleSyncDigest(from, request);
  }

  async onSyncKeys(from: Contact, request: SyncKeysRequest): Promise<SyncKeysResult> {
    this.#heard(from);
    await this.store.load();
    return this.antiEntropy.handlers.handleSyncKeys(from, request);
  }

  onFetchRecords(from: Contact, keys: string[]): Promise<DhtRecord[]> {
    this.#heard(from);
    return this.antiEntropy.handlers.handleFetchRecords(from, keys);
  }

  /** The sender is leaving: forget it now rather than after failed calls, and repair promptly. */
  onGoodbye(from: Contact): void {
    this.#departed.delete(from.id);
    this.#departed.add(from.id);
    // Bounded: the oldest goodbyes are forgotten first (Sets iterate in insertion order).
    if (this.#departed.size > MAX_DEPARTED) this.#departed.delete(this.#departed.values().next().value!);
    if (this.kademlia.routingTable.remove(from.id).removed) this.antiEntropy.nudge();
  }

  // --- client operations -------------------------------------------------------------------

  put(key: string, value: Uint8Array): Promise<WriteResult> {
    return this.coordinator.put(key, value);
  }

  get(key: string, opts: ReadOptions = {}): Promise<ReadResult> {
    return this.coordinator.get(key, opts);
  }

  delete(key: string): Promise<WriteResult> {
    return this.coordinator.delete(key);
  }

  /** For one key: which peers hold it and which version each has. */
  replicaStatus(key: string): Promise<ReplicaStatus> {
    const { replicationFactor, rpcTimeoutMs } = this.coordinator.options;
    return replicaStatus({ self: this.self, router: this.kademlia, transport: this.transport, store: this.store }, key, {
      replicationFactor,
      rpcTimeoutMs,
    });
  }

  /** This peer's replication health (records by role, under-replication, repair counters). */
  replicationHealth(): ReplicationHealth {
    return this.antiEntropy.health();
  }

  /**
   * Graceful leave: hands every held record to the R closest other peers, then says goodbye
   * to every contact. Stops repair rounds; the caller then stops the node.
   */
  leave(): Promise<LeaveResult> {
    // No refresh lookups from now on: they would teach our neighbours about us again.
    this.#leaving ??= this.kademlia.stop().then(() => this.antiEntropy.leave());
    return this.#leaving;
  }

  /** True once leave() was called. */
  get left(): boolean {
    return this.#leaving !== undefined;
  }

  /** Live anti-entropy settings (repair interval, tombstone grace, limits); all-or-nothing. */
  updateAntiEntropyOptions(partial: Partial<AntiEntropyOptions>): void {
    this.antiEntropy.updateOptions(partial);
  }

  /** Live settings (config hot reload). All-or-nothing: invalid values throw and change nothing. */
  updateOptions(partial: Partial<ReplicationOptions>): void {
    this.coordinator.updateOptions(partial);
    if (partial.maxValueBytes !== undefined) this.handlers.updateOptions({ maxValueBytes: partial.maxValueBytes });
  }

  /** Joins the network through contacts whose IDs are known (see GrpcTransport.probe). */
  bootstrap(seeds: readonly Contact[]) {
    return this.kademlia.bootstrap(seeds);
  }

  start(): void {
    this.kademlia.start();
    this.antiEntropy.start();
  }

  /** Stops timers and waits for background writes and repairs to settle. */
  async stop(): Promise<void> {
    await this.antiEntropy.stop();
    await this.kademlia.stop();
    await this.coordinator.idle();
  }
}
