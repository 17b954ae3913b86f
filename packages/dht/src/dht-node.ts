/**
 * A DHT node: Kademlia routing plus Dynamo-style replication over one transport and one record
 * store. It is the PeerRpcHandler the transport's server side calls, and the coordinator the
 * public API calls. Real peers build it with the gRPC transport and LMDB; tests and
 * simulations with the in-memory network and store.
 */
import type { Clock, Contact, DhtRecord, FindValueResult, Logger, NodeId, PeerRpcHandler, RecordStore, StoreResult, Transport } from "./types.js";
import { silentLogger, systemClock } from "./types.js";
import { KademliaNode, type KademliaOptions } from "./kademlia/kademlia-node.js";
import type { LookupListener } from "./kademlia/lookup-events.js";
import { ReplicationCoordinator, type ReadResult, type WriteResult } from "./replication/coordinator.js";
import { HybridLogicalClock } from "./replication/hlc.js";
import { resolveReplicationOptions, type ReplicationOptions } from "./replication/options.js";
import { RecordHandlers } from "./replication/record-handlers.js";

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
}

export class DhtNode implements PeerRpcHandler {
  readonly self: Contact;
  readonly kademlia: KademliaNode;
  readonly coordinator: ReplicationCoordinator;
  readonly store: RecordStore;
  readonly hlc: HybridLogicalClock;
  private readonly handlers: RecordHandlers;

  constructor(components: DhtNodeComponents, options: DhtNodeOptions = {}) {
    const clock = components.clock ?? systemClock;
    const logger = components.logger ?? silentLogger;
    this.self = components.self;
    this.store = components.store;
    this.kademlia = new KademliaNode(
      { self: components.self, transport: components.transport, clock, logger, random: components.random, onLookupEvent: components.onLookupEvent },
      options.kademlia,
    );
    this.hlc = new HybridLogicalClock({ self: components.self.id, clock, maxDriftMs: options.maxClockDriftMs });
    const replication = resolveReplicationOptions(options.replication ?? {});
    this.coordinator = new ReplicationCoordinator(
      { router: this.kademlia, transport: components.transport, store: components.store, clock: this.hlc, logger },
      replication,
    );
    this.handlers = new RecordHandlers(
      { router: this.kademlia, store: components.store, clock: this.hlc },
      { maxValueBytes: replication.maxValueBytes, contacts: this.kademlia.k },
    );
  }

  // --- incoming peer requests: every verified message teaches us its sender -------------

  onPing(from: Contact): void {
    this.kademlia.learn(from);
  }

  onFindNode(from: Contact, target: NodeId): Contact[] {
    this.kademlia.learn(from);
    return this.kademlia.handleFindNode(from, target);
  }

  onFindValue(from: Contact, key: string): Promise<FindValueResult> {
    this.kademlia.learn(from);
    return this.handlers.handleFindValue(from, key);
  }

  onStore(from: Contact, record: DhtRecord): Promise<StoreResult> {
    this.kademlia.learn(from);
    return this.handlers.handleStore(from, record);
  }

  // --- client operations -------------------------------------------------------------------

  put(key: string, value: Uint8Array): Promise<WriteResult> {
    return this.coordinator.put(key, value);
  }

  get(key: string, opts: { trace?: boolean } = {}): Promise<ReadResult> {
    return this.coordinator.get(key, opts);
  }

  delete(key: string): Promise<WriteResult> {
    return this.coordinator.delete(key);
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
  }

  /** Stops timers and waits for background writes and repairs to settle. */
  async stop(): Promise<void> {
    await this.kademlia.stop();
    await this.coordinator.idle();
  }
}
