/**
 * Coordinates client reads and writes Dynamo-style over Kademlia (ARCHITECTURE.md §3): a
 * record lives on the R peers closest to SHA-256(key); writes wait for W acknowledgements,
 * reads for Rq answers, the newest version wins and stale replicas are repaired.
 *
 * Each operation runs under one OperationScope: the caller's signal and the request deadline
 * reach every lookup and peer call it makes. Background work (writes beyond the quorum, read
 * repairs) outlives the answer, never rejects, and `idle()` waits for it. The write path
 * itself (acknowledgements, conflicts, clock refusals) is record-writer.ts.
 */
import { DhtError } from "../errors.js";
import { silentLogger } from "../types.js";
import type { Contact, DhtRecord, Logger, LookupResult, NodeId, Router } from "../types.js";
import type { Transport } from "../rpc/peer-rpc.js";
import type { OperationScope } from "../rpc/deadline.js";
import type { HybridLogicalClock } from "../records/hlc.js";
import type { LocalRecords } from "../records/local-records.js";
import { validateKey, validateValueSize } from "../records/record-validation.js";
import { compareVersions } from "../records/version.js";
import { OperationStats, type Operation, type OperationStatsSnapshot } from "../observability/op-stats.js";
import { observe, type NodeMetricsHooks } from "../observability/metrics-hooks.js";
import { Hedging } from "./peer-latency.js";
import { timedOperation } from "./timed-operation.js";
import { resolveReplicationOptions, type ReplicationOptions } from "./options.js";
import { byDistance, sha256Hex } from "./position.js";
import { acceptRemote, readQuorum, type Answers } from "./quorum-read.js";
import { RecordWriter } from "./record-writer.js";
import { BatchOperations, batchOptions, type BatchEntry, type BatchReadOutcome, type BatchWriteOutcome } from "./batch-operations.js";
import type { OperationOptions, ReadOptions, ReadResult, ReplicaReport, WriteResult } from "./operation-types.js";
import { replicaLookup } from "./replica-lookup.js";
import { readCachedReplicas } from "./cached-replicas.js";
import type { Tracer } from "../tracing/tracer.js";
import type { SpanContext } from "../tracing/trace-context.js";

export type { BatchEntry, BatchReadOutcome, BatchWriteOutcome } from "./batch-operations.js";
export type { LookupTrace, OperationOptions, ReadOptions, ReadResult, ReplicaReport, WriteResult } from "./operation-types.js";

export interface ReplicationComponents {
  router: Router;
  transport: Transport;
  /** This peer's own records: self is written and read through them, never through the transport. */
  records: LocalRecords;
  clock: HybridLogicalClock;
  logger?: Logger;
  metrics?: NodeMetricsHooks;
  /** This peer applied a write to its own store (it may have stood in for a replica: hinted hand-off). */
  stored?: (key: string) => void;
  /** False once this peer is leaving the network: it no longer counts itself as a replica of writes. Default: always true. */
  storesLocally?: () => boolean;
  /** Latencies kept per operation for the Stats percentiles (0: counts only). Default 1024. */
  statsWindow?: number;
  /** Records the steps of operations whose trace is sampled (OperationOptions.traceParent). */
  tracer?: Tracer;
}

export class ReplicationCoordinator {
  readonly #router: Router;
  readonly #transport: Transport;
  readonly #records: LocalRecords;
  readonly #clock: HybridLogicalClock;
  readonly #log: Logger;
  readonly #metrics: NodeMetricsHooks | undefined;
  readonly #stats: OperationStats;
  readonly #tracer: Tracer | undefined;
  readonly #background = new Set<Promise<void>>();
  #pendingRepairs = 0;
  #options: ReplicationOptions;
  readonly #writer: RecordWriter;
  readonly #batch: BatchOperations;
  readonly #hedging = new Hedging(() => observe(this.#metrics?.event, "read_hedged"));

  /** Throws DhtError INVALID_ARGUMENT when options are inconsistent (see resolveReplicationOptions). */
  constructor(components: ReplicationComponents, options: Partial<ReplicationOptions> = {}) {
    this.#router = components.router;
    this.#transport = components.transport;
    this.#records = components.records;
    this.#clock = components.clock;
    this.#log = components.logger ?? silentLogger;
    this.#metrics = components.metrics;
    this.#stats = new OperationStats(components.statsWindow ?? 1024);
    this.#tracer = components.tracer;
    this.#options = resolveReplicationOptions(options);
    const parts = { router: this.#router, transport: this.#transport, records: this.#records, clock: this.#clock, log: this.#log };
    this.#writer = new RecordWriter({
      ...parts,
      ...{ metrics: this.#metrics, tracer: this.#tracer, stored: components.stored ?? (() => {}), storesLocally: components.storesLocally ?? (() => true) },
      ...{ options: () => this.#options, lookup: (position, wanted, scope) => this.#lookup(position, wanted, scope), track: (work) => this.#track(work) },
    });
    this.#batch = new BatchOperations({
      ...{ ...parts, writer: this.#writer },
      ...{ options: () => this.#options, get: (key, o) => this.get(key, o), repair: (peer, record) => this.#repair(peer, record, undefined), track: (work) => this.#track(work) },
      lookup: (position, wanted, scope) => this.#lookup(position, wanted, scope),
      ...{ batchStuckAfter: (peer, items) => this.#hedging.batchStuckAfter(peer, items, this.#options), onHedge: () => this.#hedging.onHedge() },
    });
  }

  get options(): Readonly<ReplicationOptions> {
    return this.#options;
  }

  /**
   * Changes settings live (config hot reload). All-or-nothing: on an invalid combination it
   * throws DhtError INVALID_ARGUMENT naming the field and the old settings stay.
   * Operations already running keep the settings they started with.
   */
  updateOptions(partial: Partial<ReplicationOptions>): void {
    this.#options = resolveReplicationOptions(partial, this.#options);
  }

  /** Per-operation counts, errors and latency percentiles. */
  stats(): OperationStatsSnapshot {
    return this.#stats.snapshot();
  }

  /** Resolves once every background write and read repair started so far has finished. */
  async idle(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }

  /**
   * Stores `value` under `key` on the R closest peers. Resolves after W acknowledgements.
   * Errors: INVALID_ARGUMENT (key, or a value its key's record type refuses),
   * RESOURCE_EXHAUSTED (value too large), UNAVAILABLE (fewer than W acknowledgements; the
   * message says how many), ABORTED (replicas kept holding newer versions through every
   * retry: a concurrent write), FAILED_PRECONDITION (replicas refused our version as too far
   * ahead of their clocks: this peer's clock is fast), DEADLINE_EXCEEDED / CANCELED (the
   * operation's scope).
   */
  put(key: string, value: Uint8Array, opts: OperationOptions = {}): Promise<WriteResult> {
    return this.#timed("put", opts, async (scope) => {
      validateKey(key);
      validateValueSize(value.byteLength, this.#records.registry.typeOf(key).maxValueBytes());
      const record: DhtRecord = { key, value, version: this.#clock.now(), tombstone: false };
      this.#records.registry.checkRule(record);
      return this.#writer.write(record, scope);
    });
  }

  /**
   * Stores a record whose version its writer fixed (an owned record: seq and signature), as is:
   * checked by its key's type, never re-versioned. Errors as `put`, except that a replica
   * holding a newer version fails it at once with ConflictError (ABORTED).
   */
  putRecord(record: DhtRecord, opts: OperationOptions = {}): Promise<WriteResult> {
    return this.#timed("put", opts, async (scope) => {
      this.#records.registry.validate(record);
      return this.#writer.writeExact(record, scope);
    });
  }

  /** Batch put/delete/get (batch-operations.ts); whole-batch errors: INVALID_ARGUMENT (size), DEADLINE_EXCEEDED, CANCELED. */
  putMany(entries: readonly BatchEntry[], opts: OperationOptions = {}): Promise<BatchWriteOutcome[]> {
    return this.#timed("put_many", batchOptions(entries.length, opts, this.#options.requestTimeoutMs), (scope) => this.#batch.putMany(entries, scope));
  }
  deleteMany(keys: readonly string[], opts: OperationOptions = {}): Promise<BatchWriteOutcome[]> {
    return this.#timed("delete_many", batchOptions(keys.length, opts, this.#options.requestTimeoutMs), (scope) => this.#batch.deleteMany(keys, scope));
  }
  getMany(keys: readonly string[], opts: OperationOptions = {}): Promise<BatchReadOutcome[]> {
    return this.#timed("get_many", batchOptions(keys.length, opts, this.#options.requestTimeoutMs), (scope) => this.#batch.getMany(keys, scope));
  }

  /**
   * Deletes `key` by writing a tombstone exactly like a put, even when no replica holds the
   * key, so that a replica that missed an earlier write cannot resurrect it later.
   */
  delete(key: string, opts: OperationOptions = {}): Promise<WriteResult> {
    return this.#timed("delete", opts, async (scope) => {
      validateKey(key);
      const record: DhtRecord = { key, value: new Uint8Array(0), version: this.#clock.now(), tombstone: true };
      this.#records.registry.checkRule(record);
      return this.#writer.write(record, scope);
    });
  }

  /**
   * Reads `key` from a read quorum: Rq of the R closest peers (this peer counts when it is
   * one), asked in distance order, a failed one replaced by the next of the R. Rq + W > R,
   * so the answers include every acknowledged write; the newest version wins, and the
   * replicas that answered with an older one are repaired in the background. "Not found" is
   * only ever the answer of Rq of the R closest peers known, those that did not answer
   * included: when they cannot be reached the read is UNAVAILABLE, whatever peers farther
   * away say (quorum-read.ts).
   *
   * `trace` returns the lookup's path (a lookup then runs even where the routing table is
   * the whole network). `allReplicas` asks every one of the R instead of a quorum, to show
   * each replica's version (what the dashboard does). Answers of lookup responders outside
   * the replica set do not count (this peer's own copy does).
   *
   * Errors: INVALID_ARGUMENT (key), UNAVAILABLE (fewer than Rq answers; for a key not found,
   * fewer than Rq of the R closest known), NOT_FOUND (no record, or the newest is a tombstone),
   * DEADLINE_EXCEEDED / CANCELED (the operation's scope).
   */
  get(key: string, opts: ReadOptions = {}): Promise<ReadResult> {
    return this.#timed("get", opts, async (scope) => {
      validateKey(key);
      const { replicationFactor, readQuorum: quorum, rpcTimeoutMs } = this.#options;
      const position = sha256Hex(key);
      const self = this.#router.self;
      const answers: Answers = new Map();
      // Our own copy counts even when we are outside the set (a former replica holder).
      answers.set(self.id, (await this.#records.read(key)) ?? null);

      const needed = opts.allReplicas ? replicationFactor : quorum;
      let known: Contact[] = [];
      let unanswered = new Set<NodeId>();
      let lookup: LookupResult | undefined;
      const read = { router: this.#router, transport: this.#transport, records: this.#records, log: this.#log, rpcTimeoutMs, replicationFactor, signal: scope.signal, trace: scope.trace, ...this.#hedging.forRead(this.#options) };
      // R replicas and as many spares (a write's fallbacks), without a lookup when the routing table is the whole network
      // or recent lookups certified the key's region (verified by the answers: cached-replicas.ts).
      const whole = opts.trace ? undefined : this.#router.wholeNetworkNear?.(position, 2 * replicationFactor);
      const cached = whole || opts.trace ? undefined : await readCachedReplicas(read, key, position, needed, answers);
      if (whole) {
        known = byDistance([self, ...whole], position).slice(0, 2 * replicationFactor);
      } else if (!cached) {
        lookup = await this.#lookup(position, needed, scope, key);
        for (const [peer, record] of lookup.records) {
          const accepted = acceptRemote(this.#records, this.#log, peer, key, record);
          if (accepted !== undefined) answers.set(peer, accepted);
        }
        // The peers the lookup heard nothing from stay among the closest known: a lost reply
        // must not promote a farther peer, which never held the key, to replica.
        unanswered = new Set(lookup.unanswered.map((c) => c.id));
        known = byDistance([self, ...lookup.closest, ...lookup.unanswered], position);
      }
      const { replicas, set, consulted, replicasAnswered, setAnswered } = cached ?? (await readQuorum(read, key, known, unanswered, needed, answers));
      scope.throwIfAborted();
      if (scope.trace) this.#tracer?.mark("read quorum", scope.trace, { replicasAnswered, setAnswered, needed, replicas: replicas.length });

      // Only the replica set (and our own store) speaks for the key: a lookup responder outside
      // it may hold a forged or long-superseded copy, and the newest answer is written back to
      // the replicas by read repair. A copy that outlived churn outside the set reaches the
      // replicas through hand-off instead.
      const inSet = new Set(set.map((r) => r.id));
      for (const id of answers.keys()) if (id !== self.id && !inSet.has(id)) answers.delete(id);
      let newest: DhtRecord | undefined;
      for (const record of answers.values()) {
        if (record && (!newest || compareVersions(record.version, newest.version) > 0)) newest = record;
      }
      // A value found through Rq answers of the set is returned (a spare holding it stood in
      // for a replica); "not found" and a tombstone need Rq of the R closest known, since a
      // replica that did not answer may hold a newer version (see quorum-read.ts).
      const decided = newest && !newest.tombstone ? setAnswered >= quorum : replicasAnswered >= quorum;
      if (!decided) {
        const silent = replicas.length - replicasAnswered;
        const farther = setAnswered - replicasAnswered;
        const others = farther > 0 ? `; ${farther} farther peer(s) did, which cannot say "not found"` : "";
        throw DhtError.unavailable(`read quorum not reached: ${replicasAnswered} of ${quorum} required replicas answered (${silent} of the ${replicas.length} closest known did not${others})`);
      }

      const reports = consulted.map((peer): ReplicaReport => {
        const held = answers.get(peer.id);
        const report: ReplicaReport = { peer, answered: held !== undefined, tombstone: held?.tombstone ?? false, repaired: false };
        if (held) report.version = held.version;
        // Only replicas that answered: one that did not is likely down and costs a deadline.
        // Never a copy repair must not move (a pending chunk): a copy placed by read repair
        // started its lease afresh, and reads kept an orphan alive forever (chunk-lease.test.ts).
        if (newest && held !== undefined && (held === null || compareVersions(held.version, newest.version) < 0) && this.#records.repairable(newest)) {
          report.repaired = this.#repair(peer, newest, scope.trace);
        }
        return report;
      });

      if (!newest || newest.tombstone) throw DhtError.notFound(`key not found`);
      const result: ReadResult = { key, position, record: newest, replicas: reports };
      if (opts.trace && lookup) result.trace = { steps: lookup.steps, hops: lookup.hops, totalMs: lookup.totalMs };
      return result;
    });
  }

  /** Schedules a read repair unless too many are in flight; returns whether it was sent. */
  #repair(peer: Contact, record: DhtRecord, trace: SpanContext | undefined): boolean {
    if (this.#pendingRepairs >= this.#options.maxPendingRepairs) return false;
    this.#pendingRepairs++;
    this.#track(
      this.#writer.storeAt(peer, record, this.#options.rpcTimeoutMs, undefined, trace && { parent: trace, name: "read repair" })
        .catch((error) => this.#log.warn({ peer: peer.id, key: record.key, err: String(error) }, "read repair failed"))
        .finally(() => this.#pendingRepairs--),
    );
    return true;
  }

  #lookup(position: NodeId, wanted: number, scope: OperationScope, key?: string): Promise<LookupResult> {
    return replicaLookup({ router: this.#router, log: this.#log, tracer: this.#tracer }, position, wanted, scope, key);
  }

  #track(work: Promise<unknown>): void {
    const p = work.then(
      () => undefined,
      () => undefined,
    );
    this.#background.add(p);
    void p.finally(() => this.#background.delete(p));
  }

  /** Runs one operation in its scope, timed into the Stats and the metrics hooks. */
  #timed<T>(op: Operation, opts: OperationOptions, run: (scope: OperationScope) => Promise<T>): Promise<T> {
    return timedOperation({ stats: this.#stats, metrics: this.#metrics, tracer: this.#tracer, requestTimeoutMs: () => this.#options.requestTimeoutMs }, op, opts, run);
  }
}
