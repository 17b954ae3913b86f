/**
 * What a node answers to other peers, every PeerService method in one place (as kad-dht's
 * rpc/handlers): routing from the Kademlia node, records through their record types, anti-
 * entropy from its sync handlers, chunks from the chunk store. Every verified message teaches
 * the node its sender; a contact it did not know changes replica sets, so repair runs soon.
 */
import type { Contact, DhtRecord, FindValueResult, NodeId, StoreResult, SyncDigestRequest, SyncDigestResult, SyncKeysRequest, SyncKeysResult } from "../types.js";
import { MAX_BATCH_RECORDS, type ChunkStoreResult, type CommitResult, type FindValueManyOutcome, type PeerRpcHandler, type ReleaseResult, type StoreChunkRequest, type StoreManyOutcome } from "../rpc/peer-rpc.js";
import type { KademliaNode } from "../kademlia/kademlia-node.js";
import type { LocalRecords } from "../records/local-records.js";
import { validateKey } from "../records/record-validation.js";
import { sha256Hex } from "../kademlia/node-id.js";
import { DhtError } from "../errors.js";
import { isAmongClosest } from "./store-placement.js";
import type { SyncHandlers } from "../anti-entropy/sync-handlers.js";
import type { ChunkStore } from "../files/chunk-store.js";
import { chunkPosition } from "../files/content-keys.js";

/** A batch of more than MAX_BATCH_RECORDS is refused whole (INVALID_ARGUMENT). */
function checkBatchSize(n: number, field: string): void {
  if (n > MAX_BATCH_RECORDS) throw DhtError.invalidArgument(`${field}: at most ${MAX_BATCH_RECORDS} per call, got ${n}`);
}

/** Goodbyes remembered at most. */
const MAX_DEPARTED = 1024;

export interface PeerHandlerComponents {
  kademlia: KademliaNode;
  records: LocalRecords;
  sync: SyncHandlers;
  chunks: ChunkStore;
  /** The membership changed: run a repair round soon. */
  nudge: () => void;
  /** A Store was applied (hinted hand-off checks whether this peer is one of the key's replicas). */
  stored: (key: string) => void;
  /** How many of a key's closest peers may hold it (replication factor + slack; store-placement.ts). Default: no check. */
  holders?: () => number;
}

export class NodePeerHandler implements PeerRpcHandler {
  readonly #c: PeerHandlerComponents;
  /** Peers that said goodbye (see #heard). */
  #departedLazy: Set<NodeId> | undefined;
  /** Created on first use: most nodes of a simulation never need one. */
  get #departed(): Set<NodeId> {
    return (this.#departedLazy ??= new Set<NodeId>());
  }

  constructor(components: PeerHandlerComponents) {
    this.#c = components;
  }

  /**
   * Learns the sender. A peer that said goodbye is not learned back from the records it pushes
   * while leaving; only a Ping or FindNode (what a rejoining peer sends) brings it back.
   */
  #heard(from: Contact, joining = false): void {
    if (this.#departed.has(from.id)) {
      if (!joining) return;
      this.#departed.delete(from.id);
    }
    const table = this.#c.kademlia.routingTable;
    const known = table.get(from.id) !== undefined;
    this.#c.kademlia.learn(from);
    if (!known && table.get(from.id) !== undefined) this.#c.nudge();
  }

  async onPing(from: Contact): Promise<void> {
    this.#heard(from, true);
  }

  async onFindNode(from: Contact, target: NodeId): Promise<Contact[]> {
    this.#heard(from, true);
    return this.#c.kademlia.handleFindNode(from, target);
  }

  /** Our copy of `key` (tombstones included; a corrupt content copy is dropped, not served) and the contacts we know closest to its position. */
  async onFindValue(from: Contact, key: string): Promise<FindValueResult> {
    this.#heard(from);
    validateKey(key);
    const record = await this.#c.records.read(key);
    const k = this.#c.kademlia.k;
    // One extra so that leaving out the requester (it knows itself) still fills the answer.
    const contacts = this.#c.kademlia
      .closestKnown(sha256Hex(key), k + 1)
      .filter((c) => c.id !== from.id)
      .slice(0, k);
    return record ? { record, contacts } : { contacts };
  }

  /** Checks the record by its type (and its version against our clock), then keeps it under the type's rule. */
  async onStore(from: Contact, record: DhtRecord): Promise<StoreResult> {
    this.#heard(from);
    return this.#store(record);
  }

  /**
   * Each record as onStore would keep it, all at once (the store batches their commits); a
   * refused record answers its own error and the others are kept.
   */
  async onStoreMany(from: Contact, records: DhtRecord[]): Promise<StoreManyOutcome[]> {
    this.#heard(from);
    checkBatchSize(records.length, "records");
    return Promise.all(records.map((r) => this.#store(r).catch((err: unknown) => DhtError.from(err))));
  }

  /** Our copy of each key (tombstones included), without contacts: the caller knows the replicas. */
  async onFindValueMany(from: Contact, keys: string[]): Promise<FindValueManyOutcome[]> {
    this.#heard(from);
    checkBatchSize(keys.length, "keys");
    return Promise.all(
      keys.map(async (key) => {
        try {
          validateKey(key);
          return (await this.#c.records.read(key)) ?? null;
        } catch (err) {
          return DhtError.from(err);
        }
      }),
    );
  }

  async #store(record: DhtRecord): Promise<StoreResult> {
    // Bad input first (it gets INVALID_ARGUMENT naming the problem), then where the key belongs.
    this.#c.records.check(record);
    const holders = this.#c.holders?.();
    if (holders !== undefined) {
      const kad = this.#c.kademlia;
      if (!isAmongClosest(kad.routingTable, kad.self.id, sha256Hex(record.key), holders)) {
        throw DhtError.failedPrecondition(`store of "${record.key.slice(0, 64)}": this peer is not among the ${holders} peers closest to the key it knows of`);
      }
    }
    const res = await this.#c.records.keep(record);
    if (res.applied) this.#c.stored(record.key);
    return res;
  }

  async onSyncDigest(from: Contact, request: SyncDigestRequest): Promise<SyncDigestResult> {
    this.#heard(from);
    await this.#c.records.store.load();
    return this.#c.sync.handleSyncDigest(from, request);
  }

  async onSyncKeys(from: Contact, request: SyncKeysRequest): Promise<SyncKeysResult> {
    this.#heard(from);
    await this.#c.records.store.load();
    return this.#c.sync.handleSyncKeys(from, request);
  }

  async onFetchRecords(from: Contact, keys: string[]): Promise<DhtRecord[]> {
    this.#heard(from);
    return this.#c.sync.handleFetchRecords(from, keys);
  }

  /** The sender is leaving: forget it now rather than after failed calls, and repair promptly. */
  async onGoodbye(from: Contact): Promise<void> {
    this.#departed.delete(from.id);
    this.#departed.add(from.id);
    // Bounded: the oldest goodbyes are forgotten first (Sets iterate in insertion order).
    if (this.#departed.size > MAX_DEPARTED) this.#departed.delete(this.#departed.values().next().value!);
    if (this.#c.kademlia.routingTable.remove(from.id).removed) this.#c.nudge();
  }

  async onFetchChunk(from: Contact, hash: string): Promise<Uint8Array> {
    this.#heard(from);
    return this.#c.chunks.getChunk(hash);
  }

  async onStoreChunk(from: Contact, chunk: StoreChunkRequest): Promise<ChunkStoreResult> {
    this.#heard(from);
    // The sender's upload placed it: only that peer may commit or release it while pending.
    const res = await this.#c.chunks.putChunk(chunk.hash, chunk.bytes, chunk.pending, from.id);
    return { applied: res.applied };
  }

  /**
   * The uploader commits what it placed; a peer among a chunk's closest (R + slack, as for
   * Store) may commit it too: that is anti-entropy spreading a commit it holds. Anyone else is
   * refused with PERMISSION_DENIED: naming a hash would otherwise keep another upload's orphan.
   */
  async onCommitChunks(from: Contact, hashes: string[]): Promise<CommitResult> {
    this.#heard(from);
    const holders = this.#c.holders?.() ?? this.#c.kademlia.k;
    const kad = this.#c.kademlia;
    const replicaOf = (hash: string) => isAmongClosest(kad.routingTable, from.id, chunkPosition(hash), holders);
    return this.#c.chunks.commitChunks(hashes, { by: from.id, replicaOf });
  }

  /** Only the uploader that placed a pending chunk may release it (PERMISSION_DENIED otherwise). */
  async onReleaseChunks(from: Contact, hashes: string[]): Promise<ReleaseResult> {
    this.#heard(from);
    return this.#c.chunks.releaseChunks(hashes, { by: from.id });
  }
}
