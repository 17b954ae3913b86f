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
import { setMaxListeners } from "node:events";
import { DhtError, errorCode } from "../errors.js";
import type { Contact, DhtRecord, Logger, NodeId, Router } from "../types.js";
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
import { mapBounded, replicaBatches } from "./batch-calls.js";
import { acceptRemote } from "./quorum-read.js";

/** One key and value of a PutMany. */
export interface BatchEntry {
  key: string;
  value: Uint8Array;
}

/** One key's outcome of a PutMany or DeleteMany, in request order. */
export type BatchWriteOutcome = { key: string; result: WriteResult; error?: undefined } | { key: string; error: DhtError; result?: undefined };

/** One key's outcome of a GetMany: the newest live record, or why not (NOT_FOUND for a missing key). */
export type BatchReadOutcome = { key: string; record: DhtRecord; error?: undefined } | { key: string; error: DhtError; record?: undefined };

/** Keys that leave the batch round for the single-key path, handled this many at a time. */
const SINGLE_KEY_CONCURRENCY = 32;

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

/** A key's read in the batch round. */
interface ReadPlan {
  key: string;
  replicas: Contact[];
  asked: Contact[];
  /** Our own copy first, then each asked replica's valid answer (null: none held). */
  answers: Map<NodeId, DhtRecord | null>;
  /** An asked replica failed, refused, left the key out or answered nonsense. */
  unsettled: boolean;
}

export class BatchOperations {
  readonly #c: BatchContext;

  constructor(context: BatchContext) {
    this.#c = context;
  }

  /** Writes new values; each key gets its own version, as a put does. */
  putMany(entries: readonly BatchEntry[], scope: OperationScope): Promise<BatchWriteOutcome[]> {
    this.#checkSize(entries.length, "entries", scope);
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
    this.#checkSize(keys.length, "keys", scope);
    return this.#writeAll(keys, scope, (key) => ({ key, value: new Uint8Array(0), version: this.#c.clock.now(), tombstone: true }));
  }

  /** Reads keys (a key asked twice is read once and answered twice). */
  async getMany(keys: readonly string[], scope: OperationScope): Promise<BatchReadOutcome[]> {
    this.#checkSize(keys.length, "keys", scope);
    const { replicationFactor: r, readQuorum, rpcTimeoutMs } = this.#c.options();
    const self = this.#c.router.self;
    const settled = new Map<string, BatchReadOutcome>();
    const plans: ReadPlan[] = [];
    const single: string[] = [];
    for (const key of new Set(keys)) {
      try {
        validateKey(key);
      } catch (err) {
        settled.set(key, { key, error: DhtError.from(err) });
        continue;
      }
      const position = sha256Hex(key);
      const whole = this.#c.router.wholeNetworkNear?.(position, 2 * r);
      if (!whole) {
        single.push(key);
        continue;
      }
      const replicas = byDistance([self, ...whole], position).slice(0, r);
      const selfIsReplica = replicas.some((c) => c.id === self.id);
      const asked = replicas.filter((c) => c.id !== self.id).slice(0, readQuorum - (selfIsReplica ? 1 : 0));
      plans.push({ key, replicas, asked, answers: new Map(), unsettled: false });
    }
    // Our own copy counts even when we are outside the set (a former replica holder), as in get().
    await Promise.all(plans.map(async (p) => p.answers.set(self.id, (await this.#c.records.read(p.key)) ?? null)));

    const groups = replicaBatches(plans, (p) => p.asked, () => 0);
    await Promise.all(
      [...groups].map(async ([peer, batches]) => {
        for (const batch of batches) {
          const fail = () => batch.forEach((p) => (p.unsettled = true));
          try {
            const got = await this.#c.transport.findValueMany(peer, batch.map((p) => p.key), { timeoutMs: rpcTimeoutMs, signal: scope.signal });
            this.#c.router.reportSuccess(peer);
            if (got.length !== batch.length) {
              this.#c.log.warn({ peer: peer.id, asked: batch.length, answered: got.length }, "ignoring a FindValueMany answer with the wrong number of outcomes");
              fail();
              continue;
            }
            batch.forEach((p, i) => {
              const outcome = got[i]!;
              const held = outcome === "omitted" || outcome instanceof DhtError ? undefined : acceptRemote(this.#c.records, this.#c.log, peer.id, p.key, outcome);
              if (held === undefined) p.unsettled = true;
              else p.answers.set(peer.id, held);
            });
          } catch (err) {
            this.#reportCallFailure(peer, err);
            fail();
          }
        }
      }),
    );
    scope.throwIfAborted();

    for (const p of plans) {
      if (p.unsettled) single.push(p.key);
      else settled.set(p.key, this.#decide(p));
    }
    await mapBounded(single, SINGLE_KEY_CONCURRENCY, async (key) => {
      try {
        settled.set(key, { key, record: (await this.#c.get(key, { signal: scope.signal })).record });
      } catch (err) {
        settled.set(key, { key, error: DhtError.from(err) });
      }
    });
    scope.throwIfAborted();
    return keys.map((key) => settled.get(key)!);
  }

  /**
   * Rq of the R closest answered (ourselves included when we are one): the newest version wins,
   * older answers are repaired, and a missing key or a tombstone is NOT_FOUND, as in get().
   */
  #decide(p: ReadPlan): BatchReadOutcome {
    let newest: DhtRecord | undefined;
    for (const record of p.answers.values()) if (record && (!newest || compareVersions(record.version, newest.version) > 0)) newest = record;
    if (newest && this.#c.records.repairable(newest)) {
      for (const peer of p.replicas) {
        const held = p.answers.get(peer.id);
        if (held !== undefined && (held === null || compareVersions(held.version, newest.version) < 0)) this.#c.repair(peer, newest);
      }
    }
    if (!newest || newest.tombstone) return { key: p.key, error: DhtError.notFound("key not found") };
    return { key: p.key, record: newest };
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
    const plans: WritePlan[] = [];
    const single: WritePlan[] = [];
    prepared.forEach(({ index }, i) => {
      const record = signed[i]!;
      const position = sha256Hex(record.key);
      const whole = this.#c.router.wholeNetworkNear?.(position, 2 * r);
      const candidates = whole ? byDistance([self, ...whole], position) : [];
      const plan: WritePlan = { index, record, position, replicas: candidates.slice(0, r), spares: candidates.slice(r, 2 * r), acks: [], conflict: false };
      (whole ? plans : single).push(plan);
    });

    const groups = replicaBatches(plans, (p) => p.replicas, (p) => p.record.value.byteLength + p.record.key.length);
    await Promise.all(
      [...groups].map(async ([peer, batches]) => {
        for (const batch of batches) await this.#storeBatch(peer, batch, rpcTimeoutMs, scope.signal);
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
      this.#reportCallFailure(peer, err);
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

  /** Only silence is a routing failure: a peer that refused answered. */
  #reportCallFailure(peer: Contact, err: unknown): void {
    const code = errorCode(err);
    if (code === "unavailable" || code === "deadline_exceeded") this.#c.router.reportFailure(peer, err);
    this.#c.log.debug({ peer: peer.id, err: String(err) }, "batch call failed; its keys take the single-key path");
  }

  /** Refuses a batch over maxBatchKeys; lets the scope's signal reach every call of the batch. */
  #checkSize(n: number, field: string, scope: OperationScope): void {
    const max = this.#c.options().maxBatchKeys;
    if (n > max) throw DhtError.invalidArgument(`${field}: at most ${max} per batch, got ${n}`);
    // One listener per call in flight: a replica call per peer plus the single-key pool's calls.
    setMaxListeners(4 * SINGLE_KEY_CONCURRENCY + 64, scope.signal);
  }
}
