/**
 * A complete DHT node: Kademlia routing, Dynamo-style replication, anti-entropy and
 * content-addressed files over one transport and one record store. Build it with
 * `createNode` (create-node.ts), the one place a node is assembled, whether for a real peer
 * (gRPC and LMDB), a test network or a simulation (the in-memory parts); start and stop it as
 * a unit. `handler` is what the transport's server side calls; the client operations are the
 * public API's.
 */
import type { Contact, Logger } from "../types.js";
import type { PeerRpcHandler, Transport } from "../rpc/peer-rpc.js";
import type { KademliaNode } from "../kademlia/kademlia-node.js";
import { validateMaxClockOffset, type HybridLogicalClock } from "../records/hlc.js";
import type { LocalRecords } from "../records/local-records.js";
import type { IndexedRecordStore } from "../store/indexed-store.js";
import type { BatchEntry, BatchReadOutcome, BatchWriteOutcome, ReplicationCoordinator, OperationOptions, ReadOptions, ReadResult, WriteResult } from "../replication/coordinator.js";
import { replicaStatus, type ReplicaStatus } from "../replication/replica-status.js";
import type { AntiEntropy, LeaveResult, ReplicationHealth } from "../anti-entropy/anti-entropy.js";
import { resolveAntiEntropyOptions } from "../anti-entropy/anti-entropy-options.js";
import { refuseUnsigned, resolveReplicationOptions } from "../replication/options.js";
import { OwnedOperations, type OwnedPutOptions, type OwnedReadResult } from "../replication/owned-operations.js";
import type { OwnedEnvelope } from "../records/owned/owned-envelope.js";
import type { ChunkStore } from "../files/chunk-store.js";
import { resolveChunkStoreOptions } from "../files/chunk-store.js";
import type { FileService } from "../files/file-service.js";
import { resolveFileOptions } from "../files/file-options.js";
import { resolveRecordQuotaOptions, type RecordQuota } from "../records/record-quota.js";
import type { LeaseSweeper } from "../files/lease-sweeper.js";
import type { OperationStatsSnapshot } from "../observability/op-stats.js";
import type { RpcStats } from "../observability/rpc-stats.js";
import type { LiveNodeOptions } from "./node-options.js";
import type { Departure } from "./departure.js";

/** The parts createNode assembles. */
export interface NodeParts {
  self: Contact;
  /** What the node sends with: the transport inside the client interceptor chain. */
  transport: Transport;
  /** What the node answers with: its handler inside the server interceptor chain. */
  handler: PeerRpcHandler;
  kademlia: KademliaNode;
  hlc: HybridLogicalClock;
  records: LocalRecords;
  coordinator: ReplicationCoordinator;
  antiEntropy: AntiEntropy;
  chunks: ChunkStore;
  recordQuota: RecordQuota;
  files: FileService;
  sweeper: LeaseSweeper;
  rpcStats: RpcStats;
  /** Whether the node is a member, leaving or gone: what it still answers and stores. */
  departure: Departure;
  logger: Logger;
}

export class DhtNode {
  readonly self: Contact;
  /** Give this to the transport's server side: every incoming call, timed and counted. */
  readonly handler: PeerRpcHandler;
  /** What the node sends with (deadlines, timing, cancellation applied). */
  readonly transport: Transport;
  readonly kademlia: KademliaNode;
  readonly hlc: HybridLogicalClock;
  /** This peer's records through their record types; every write goes through it. */
  readonly records: LocalRecords;
  readonly coordinator: ReplicationCoordinator;
  /** Repair, hand-off and tombstone collection; started and stopped with the node. */
  readonly antiEntropy: AntiEntropy;
  /** This peer's chunks (quota, upload lease). */
  readonly chunks: ChunkStore;
  /** The disk quota of every other record (plain values, manifests). */
  readonly recordQuota: RecordQuota;
  readonly files: FileService;
  /** Owned records: signed by their owner, ordered by seq. */
  readonly owned: OwnedOperations;
  readonly #sweeper: LeaseSweeper;
  readonly #rpcStats: RpcStats;
  readonly #departure: Departure;
  #leaving: Promise<LeaveResult> | undefined;

  constructor(parts: NodeParts) {
    this.self = parts.self;
    this.handler = parts.handler;
    this.transport = parts.transport;
    this.kademlia = parts.kademlia;
    this.hlc = parts.hlc;
    this.records = parts.records;
    this.coordinator = parts.coordinator;
    this.antiEntropy = parts.antiEntropy;
    this.chunks = parts.chunks;
    this.recordQuota = parts.recordQuota;
    this.files = parts.files;
    this.owned = new OwnedOperations(parts.coordinator);
    this.#sweeper = parts.sweeper;
    this.#rpcStats = parts.rpcStats;
    this.#departure = parts.departure;
  }

  /** The record store, indexed for anti-entropy (read it freely; write through `records`). */
  get store(): IndexedRecordStore {
    return this.records.store;
  }

  // --- client operations -------------------------------------------------------------------

  /** An unsigned write: PERMISSION_DENIED under the signed-only write policy. */
  async put(key: string, value: Uint8Array, opts?: OperationOptions): Promise<WriteResult> {
    refuseUnsigned(this.coordinator.options, "put");
    return this.coordinator.put(key, value, opts);
  }

  get(key: string, opts?: ReadOptions): Promise<ReadResult> {
    return this.coordinator.get(key, opts);
  }

  /** An unsigned write: PERMISSION_DENIED under the signed-only write policy. */
  async delete(key: string, opts?: OperationOptions): Promise<WriteResult> {
    refuseUnsigned(this.coordinator.options, "delete");
    return this.coordinator.delete(key, opts);
  }

  /** Batch forms (ReplicationCoordinator.putMany/deleteMany/getMany); the write policy applies as to put and delete. */
  async putMany(entries: readonly BatchEntry[], opts?: OperationOptions): Promise<BatchWriteOutcome[]> {
    refuseUnsigned(this.coordinator.options, "put");
    return this.coordinator.putMany(entries, opts);
  }

  async deleteMany(keys: readonly string[], opts?: OperationOptions): Promise<BatchWriteOutcome[]> {
    refuseUnsigned(this.coordinator.options, "delete");
    return this.coordinator.deleteMany(keys, opts);
  }

  getMany(keys: readonly string[], opts?: OperationOptions): Promise<BatchReadOutcome[]> {
    return this.coordinator.getMany(keys, opts);
  }

  /** Stores an owner-signed record (see OwnedOperations.put). */
  putOwned(envelope: OwnedEnvelope, opts?: OwnedPutOptions): Promise<WriteResult> {
    return this.owned.put(envelope, opts);
  }

  /** Reads the owned record of `publicKey` and `salt` (see OwnedOperations.get). */
  getOwned(publicKey: Uint8Array, salt: Uint8Array, opts?: ReadOptions): Promise<OwnedReadResult> {
    return this.owned.get(publicKey, salt, opts);
  }

  /** For one key: which peers hold it and which version each has. */
  replicaStatus(key: string, opts: OperationOptions = {}): Promise<ReplicaStatus> {
    const { replicationFactor, rpcTimeoutMs } = this.coordinator.options;
    return replicaStatus({ self: this.self, router: this.kademlia, transport: this.transport, records: this.records }, key, {
      replicationFactor,
      rpcTimeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  /** This peer's replication health (records by role, under-replication, repair counters). */
  replicationHealth(): ReplicationHealth {
    return this.antiEntropy.health();
  }

  /** Counts and latency percentiles of client operations and of every peer RPC, both sides. */
  stats(): { operations: OperationStatsSnapshot; peerRpcs: ReturnType<RpcStats["snapshot"]> } {
    return { operations: this.coordinator.stats(), peerRpcs: this.#rpcStats.snapshot() };
  }

  /**
   * Graceful leave: says goodbye to every contact, then hands every held record to the R
   * closest other peers. Stops refresh and repair; the caller then stops the node.
   */
  leave(): Promise<LeaveResult> {
    if (this.#leaving) return this.#leaving;
    // From now on no writes land here and no routing call is answered (departure.ts), and no
    // refresh lookups go out: any of them would teach our neighbours about us again.
    this.#departure.begin();
    this.#leaving = this.kademlia
      .stop()
      .then(() => this.antiEntropy.leave())
      .finally(() => this.#departure.end());
    return this.#leaving;
  }

  /** True once leave() was called. */
  get left(): boolean {
    return this.#departure.phase !== "member";
  }

  /**
   * Live settings (config hot reload). All-or-nothing: every group is checked first, so an
   * invalid value throws (DhtError INVALID_ARGUMENT naming the field) and changes nothing.
   */
  updateOptions(live: LiveNodeOptions): void {
    if (live.replication) resolveReplicationOptions(live.replication, this.coordinator.options);
    if (live.antiEntropy) resolveAntiEntropyOptions(live.antiEntropy, this.antiEntropy.options);
    if (live.files) resolveFileOptions(live.files, this.files.options);
    if (live.chunks) resolveChunkStoreOptions(live.chunks, this.chunks.options);
    if (live.records) resolveRecordQuotaOptions(live.records, this.recordQuota.options);
    if (live.maxClockOffsetMs !== undefined) validateMaxClockOffset(live.maxClockOffsetMs);
    if (live.maxClockOffsetMs !== undefined) this.hlc.setMaxOffsetMs(live.maxClockOffsetMs);
    if (live.replication) this.coordinator.updateOptions(live.replication);
    // One peer-call deadline for the whole node: lookups and pings follow it as replication does.
    if (live.replication?.rpcTimeoutMs !== undefined) this.kademlia.setCallTimeoutMs(this.coordinator.options.rpcTimeoutMs);
    if (live.antiEntropy) this.antiEntropy.updateOptions(live.antiEntropy);
    if (live.files) this.files.updateOptions(live.files);
    if (live.records) this.recordQuota.updateOptions(live.records);
    if (live.chunks) {
      this.chunks.updateOptions(live.chunks);
      this.#sweeper.leaseChanged();
    }
  }

  /** Joins the network through contacts whose IDs are known (a transport's probe answers them). */
  bootstrap(seeds: readonly Contact[]) {
    return this.kademlia.bootstrap(seeds);
  }

  /** Starts the periodic work: bucket refresh, repair rounds, the upload lease's sweeps. */
  start(): void {
    this.kademlia.start();
    this.antiEntropy.start();
    this.#sweeper.start();
  }

  /** Stops timers and waits for background writes, repairs and sweeps to settle. */
  async stop(): Promise<void> {
    await this.antiEntropy.stop();
    await this.kademlia.stop();
    await this.#sweeper.stop();
    await this.coordinator.idle();
    await this.files.idle();
  }
}
