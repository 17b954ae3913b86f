/**
 * Batch puts, deletes and gets (NodeService PutMany / DeleteMany / GetMany). Each key is written
 * or read by the same rules as a single-key operation, but keys whose replica sets are known are
 * grouped by replica, so each replica gets one StoreMany / FindValueMany per batch: a 1000-key
 * put on 20 peers sends ~20 peer RPCs instead of ~2,800.
 *
 * The batch round is a fast path, never a weaker one. A key is answered from it only when its
 * single-key rule is met there and then: W replicas acknowledged exactly this version (a
 * refusal is never an ack), or Rq of the R closest answered valid copies. Every other key (a
 * replica failed, refused, holds a newer version, answered nonsense or left the key out, or the
 * routing table is not the whole network) goes through the single-key path with all its
 * fallbacks: spares, conflict retries, clock refusals, second asks, lookups.
 */
import { DhtError } from "../errors.js";
import type { Contact, DhtRecord, Logger, LookupResult, NodeId, Router } from "../types.js";
import type { Transport } from "../rpc/peer-rpc.js";
import type { OperationScope } from "../rpc/deadline.js";
import type { HybridLogicalClock } from "../records/hlc.js";
import type { LocalRecords } from "../records/local-records.js";
import { validateKey, validateValueSize } from "../records/record-validation.js";
import { compareVersions } from "../records/version.js";
import type { ReplicationOptions } from "./options.js";
import { byDistance, sha256Hex } from "./position.js";
import type { RecordWriter } from "./record-writer.js";
import type { OperationOptions, ReadResult, WriteResult } from "./operation-types.js";
import { batchCallTimeout, checkBatchSize, mapBounded, replicaBatches, reportCallFailure, SINGLE_KEY_CONCURRENCY } from "./batch-calls.js";
import { BatchReader } from "./batch-read.js";

/** One key and value of a PutMany. */
export interface BatchEntry {
  key: string;
  value: Uint8Array;
}

/** One key's outcome of a PutMany or DeleteMany, in request order. */
export type BatchWriteOutcome = { key: string; result: WriteResult; error?: undefined } | { key: string; error: DhtError; result?: undefined };

/** One key's outcome of a GetMany: the newest live record, or why not (NOT_FOUND for a missing key). */
export type BatchReadOutcome = { key: string; record: DhtRecord; error?: undefined } | { key: string; error: DhtError; record?: undefined };

/** A batch's deadline unless its caller gives one: the request deadline per 100 keys, as keys taking the single-key path (or a lookup) go 32 at a time. */
export function batchOptions(keys: number, opts: OperationOptions, requestTimeoutMs: number): OperationOptions {
  return opts.timeoutMs === undefined ? { ...opts, timeoutMs: requestTimeoutMs * Math.max(1, Math.ceil(keys / 100)) } : opts;
}


export interface BatchContext {
  router: Router;
  transport: Transport;
  records: LocalRecords;
  clock: HybridLogicalClock;
  log: Logger;
  writer: RecordWriter;
  options(): Readonly<ReplicationOptions>;
  /** The single-key read, for keys the batch round does not settle. */
  get(key: string, opts: OperationOptions): Promise<ReadResult>;
  /** Schedules a read repair (bounded by the coordinator); whether it was sent. */
  repair(peer: Contact, record: DhtRecord): boolean;
  /** Keeps background work (copies beyond the quorum) for idle(). */
  track(work: Promise<unknown>): void;
  /** The FindNode lookup of a write (falling back to the routing table when it fails). */
  lookup(position: NodeId, wanted: number, scope: OperationScope): Promise<LookupResult>;
  /** How long a batch read waits for `peer` before giving its keys to the single-key path; undefined: until the call's deadline. */
  batchStuckAfter(peer: NodeId, items: number): number | undefined;
  /** A batch read stopped waiting for a replica (counted as a hedge). */
  onHedge(): void;
}

/** A key's write in the batch round. */
interface WritePlan {
  index: number;
  record: DhtRecord;
  position: NodeId;
  replicas: Contact[];
  spares: Contact[];
  acks: Contact[];
  /** A replica holds a newer version: the single-key writer retries above it. */
  conflict: boolean;
}


export class BatchOperations {
  readonly #c: BatchContext;
  readonly #reader: BatchReader;

  constructor(context: BatchContext) {
    this.#c = context;
    this.#reader = new BatchReader(context);
  }

  /** Writes new values; each key gets its own version, as a put does. */
  putMany(entries: readonly BatchEntry[], scope: OperationScope): Promise<BatchWriteOutcome[]> {
    checkBatchSize(this.#c, entries.length, "entries", scope);
    const registry = this.#c.records.registry;
    return this.#writeAll(
      entries.map((e) => e.key),
      scope,
      (e, i) => {
        validateValueSize(entries[i]!.value.byteLength, registry.typeOf(e).maxValueBytes());
        return { key: e, value: entries[i]!.value, version: this.#c.clock.now(), tombstone: false };
      },
    );
  }

  /** Writes tombstones, as a delete does (even where no replica holds the key). */
  deleteMany(keys: readonly string[], scope: OperationScope): Promise<BatchWriteOutcome[]> {
    checkBatchSize(this.#c, keys.length, "keys", scope);
    return this.#writeAll(keys, scope, (key) => ({ key, value: new Uint8Array(0), version: this.#c.clock.now(), tombstone: true }));
  }

  /** Reads keys (a key asked twice is read once and answered twice). */
  getMany(keys: readonly string[], scope: OperationScope): Promise<BatchReadOutcome[]> {
    checkBatchSize(this.#c, keys.length, "keys", scope);
    return this.#reader.getMany(keys, scope);
  }

  /**
   * Builds each key's record (`make` may throw: that key alone fails), signs the records, and
   * writes them: the batch round first, then the single-key writer for what it left.
   */
  async #writeAll(keys: readonly string[], scope: OperationScope, make: (key: string, index: number) => DhtRecord): Promise<BatchWriteOutcome[]> {
    const { replicationFactor: r, writeQuorum, rpcTimeoutMs } = this.#c.options();
    const registry = this.#c.records.registry;
    const self = this.#c.router.self;
    const out: BatchWriteOutcome[] = new Array<BatchWriteOutcome>(keys.length);
    const firstAt = new Map<string, number>();
    const prepared: { index: number; record: DhtRecord }[] = [];
    keys.forEach((key, index) => {
      try {
        validateKey(key);
        // Two writes of one key in one batch would race each other on every replica.
        const first = firstAt.get(key);
        if (first !== undefined) throw DhtError.invalidArgument(`key: same key as item ${first} of the batch; a batch writes each key once`);
        firstAt.set(key, index);
        const record = make(key, index);
        registry.checkRule(record);
        prepared.push({ index, record });
      } catch (err) {
        out[index] = { key, error: DhtError.from(err) };
      }
    });
    const signed = registry.signedMany(prepared.map((p) => p.record));
    // Each key's R closest and R spares, as a single write finds them: from the routing table
    // while it is the whole network, else by a lookup (a few at a time), whose answer the
    // table completes with the closest it knows.
    const plans = prepared.map(({ index }, i) => this.#plan(index, signed[i]!));
    const lookups = plans.filter((p) => p.replicas.length === 0);
    await mapBounded(lookups, SINGLE_KEY_CONCURRENCY, async (p) => {
      const found = (await this.#c.lookup(p.position, r, scope)).closest;
      const candidates = byDistance([self, ...found, ...this.#c.router.closestKnown(p.position, 2 * r)], p.position);
      const unique = candidates.filter((c, i) => candidates.findIndex((x) => x.id === c.id) === i);
      p.replicas = unique.slice(0, r);
      p.spares = unique.slice(r, 2 * r);
    });
    scope.throwIfAborted();
    const single: WritePlan[] = [];

    const groups = replicaBatches(plans, (p) => p.replicas, (p) => p.record.value.byteLength + p.record.key.length);
    await Promise.all(
      [...groups].map(async ([peer, batches]) => {
        for (const batch of batches) await this.#storeBatch(peer, batch, batchCallTimeout(rpcTimeoutMs, batch.length), scope.signal);
      }),
    );
    scope.throwIfAborted();

    for (const p of plans) {
      if (p.conflict || p.acks.length < writeQuorum) {
        single.push(p);
        continue;
      }
      out[p.index] = { key: p.record.key, result: { key: p.record.key, position: p.position, version: p.record.version, replicas: p.replicas, acknowledgedBy: p.acks.map((c) => c.id) } };
      if (p.acks.length < p.replicas.length) this.#c.track(this.#topUp(p, rpcTimeoutMs));
    }
    await mapBounded(single, SINGLE_KEY_CONCURRENCY, async (p) => {
      try {
        out[p.index] = { key: p.record.key, result: await this.#c.writer.write(p.record, scope) };
      } catch (err) {
        out[p.index] = { key: p.record.key, error: DhtError.from(err) };
      }
    });
    scope.throwIfAborted();
    return out;
  }

  /** A key's plan with its replicas and spares when the routing table is the whole network; with none (a lookup is needed) otherwise. */
  #plan(index: number, record: DhtRecord): WritePlan {
    const r = this.#c.options().replicationFactor;
    const position = sha256Hex(record.key);
    const whole = this.#c.router.wholeNetworkNear?.(position, 2 * r);
    const candidates = whole ? byDistance([this.#c.router.self, ...whole], position) : [];
    return { index, record, position, replicas: candidates.slice(0, r), spares: candidates.slice(r, 2 * r), acks: [], conflict: false };
  }

  /** One StoreMany (ourselves: each record through our store); counts each record's ack, conflict or failure. */
  async #storeBatch(peer: Contact, batch: WritePlan[], timeoutMs: number, signal: AbortSignal): Promise<void> {
    const count = (p: WritePlan, res: { applied: boolean; current: DhtRecord["version"] }) => {
      const order = compareVersions(res.current, p.record.version);
      if (res.applied || order === 0) p.acks.push(peer);
      else if (order > 0) p.conflict = true;
    };
    if (peer.id === this.#c.router.self.id) {
      await Promise.all(batch.map((p) => this.#c.writer.storeAt(peer, p.record, timeoutMs).then((res) => count(p, res), () => {})));
      return;
    }
    try {
      const outcomes = await this.#c.transport.storeMany(peer, batch.map((p) => p.record), { timeoutMs, signal });
      this.#c.router.reportSuccess(peer);
      if (outcomes.length !== batch.length) {
        this.#c.log.warn({ peer: peer.id, sent: batch.length, answered: outcomes.length }, "ignoring a StoreMany answer with the wrong number of outcomes");
        return;
      }
      batch.forEach((p, i) => {
        const outcome = outcomes[i]!;
        if (!(outcome instanceof DhtError)) count(p, outcome);
      });
    } catch (err) {
      reportCallFailure(this.#c, peer, err);
    }
  }

  /** A key acknowledged by W but not all R: the next closest stand in for the replicas that failed, as a single write's writers do. */
  async #topUp(p: WritePlan, timeoutMs: number): Promise<void> {
    let missing = p.replicas.length - p.acks.length;
    for (const spare of p.spares) {
      if (missing === 0) return;
      try {
        const res = await this.#c.writer.storeAt(spare, p.record, timeoutMs);
        if (res.applied || compareVersions(res.current, p.record.version) === 0) missing--;
      } catch {
        // the next spare
      }
    }
  }

}
