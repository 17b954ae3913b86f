/**
 * The write path of a put or a delete: the record goes to the key's R closest through the one
 * quorum writer, a failed replica replaced by the next closest; an acknowledgement is a replica
 * that applied this version or already held exactly it. A replica holding a newer version ends
 * the attempt, and the write is retried above it (hybrid logical clock), then ABORTED. A
 * shortfall caused by replicas refusing our clock as too far ahead is FAILED_PRECONDITION, and
 * our own copy of that version is taken back.
 */
import { ConflictError, DhtError, errorCode } from "../errors.js";
import type { Contact, DhtRecord, Logger, LookupResult, NodeId, Router, StoreResult, Version } from "../types.js";
import type { Transport } from "../rpc/peer-rpc.js";
import type { OperationScope } from "../rpc/deadline.js";
import { CLOCK_OFFSET_HINT, type HybridLogicalClock } from "../records/hlc.js";
import type { LocalRecords } from "../records/local-records.js";
import { compareVersions } from "../records/version.js";
import { observe, type NodeMetricsHooks } from "../observability/metrics-hooks.js";
import type { ReplicationOptions } from "./options.js";
import { byDistance, sha256Hex } from "./position.js";
import { startQuorumWrite, type WriteFailure } from "./quorum-writer.js";
import { SpareCandidates } from "./replica-candidates.js";
import { cachedReplicaSet, checkWriteSet } from "./cached-replicas.js";
import type { WriteResult } from "./operation-types.js";
import { startSpan, type CallTrace, type Tracer } from "../tracing/tracer.js";

/** Attempts of one put or delete when replicas hold newer versions (the first and two retries). */
const MAX_WRITE_ATTEMPTS = 3;

/** The newest version a replica refused a write for, and which replica. */
interface Conflict {
  newest?: Version;
  holder?: Contact;
}

/** "1732790000123.4 by ab12cd34": a version for messages. */
function formatVersion(v: Version): string {
  return `${v.wallMs}.${v.logical} by ${v.writer.slice(0, 8)}`;
}

/** What a write needs of the coordinator that runs it. */
export interface RecordWriterContext {
  router: Router;
  transport: Transport;
  records: LocalRecords;
  clock: HybridLogicalClock;
  log: Logger;
  metrics: NodeMetricsHooks | undefined;
  /** Records the steps of traced writes (scope.trace). */
  tracer: Tracer | undefined;
  /** This peer applied a write to its own store (hinted hand-off checks whether it is a replica). */
  stored: (key: string) => void;
  /** False once this peer is leaving: its own copy would leave with it, so writes go to others. */
  storesLocally: () => boolean;
  /** The settings in force (they change live). */
  options(): Readonly<ReplicationOptions>;
  lookup(position: NodeId, wanted: number, scope: OperationScope): Promise<LookupResult>;
  /** Keeps background work (the writes beyond the quorum) for idle(). */
  track(work: Promise<unknown>): void;
}

export class RecordWriter {
  readonly #c: RecordWriterContext;

  constructor(context: RecordWriterContext) {
    this.#c = context;
  }

  /**
   * Writes `first`; when a replica holds a newer version of the key (a concurrent write, or a
   * writer whose clock runs ahead of ours) the write is retried with a version above it, as a
   * hybrid logical clock allows (read-your-clock-forward), up to MAX_WRITE_ATTEMPTS in all,
   * then answered ABORTED naming the conflict. A refusal is never counted as an ack.
   */
  async write(first: DhtRecord, scope: OperationScope): Promise<WriteResult> {
    let record = first;
    for (let attempt = 1; ; attempt++) {
      const conflict: Conflict = {};
      try {
        return await this.#writeOnce(this.#c.records.registry.signed(record), scope, conflict);
      } catch (error) {
        if (!conflict.newest || errorCode(error) !== "aborted") throw error;
        scope.throwIfAborted();
        const { newest, holder } = conflict;
        const held = `${holder!.id.slice(0, 8)} holds version ${formatVersion(newest)}, newer than ${formatVersion(record.version)}`;
        if (attempt >= MAX_WRITE_ATTEMPTS) {
          observe(this.#c.metrics?.event, "write_conflict_aborted");
          throw new DhtError(`write conflict: replica ${held} after ${attempt} attempts; the key is being written concurrently, try again`, "aborted");
        }
        try {
          this.#c.clock.observe(newest);
        } catch (clockError) {
          observe(this.#c.metrics?.event, "write_conflict_aborted");
          throw new DhtError(`write conflict: replica ${held}, too far ahead of this peer's clock to write past (${DhtError.from(clockError).message})`, "aborted");
        }
        observe(this.#c.metrics?.event, "write_conflict_retried");
        this.#c.log.debug({ key: record.key, attempt, holder: holder!.id }, "write conflict: retrying with a newer version");
        record = { ...record, version: this.#c.clock.now() };
      }
    }
  }

  /**
   * Writes `record` at exactly its version, once: for records whose version is the writer's
   * own (an owned record's seq), which no clock may move. A replica holding a newer version
   * fails it with ConflictError carrying that version.
   */
  async writeExact(record: DhtRecord, scope: OperationScope): Promise<WriteResult> {
    const conflict: Conflict = {};
    try {
      return await this.#writeOnce(record, scope, conflict);
    } catch (error) {
      if (!conflict.newest || errorCode(error) !== "aborted") throw error;
      throw new ConflictError(`write conflict: replica ${conflict.holder!.id.slice(0, 8)} holds a newer version`, conflict.newest, { cause: error });
    }
  }

  /** `shortcut`: the cached replica set may be used (false when writing again after it failed its check). */
  async #writeOnce(record: DhtRecord, scope: OperationScope, conflict: Conflict, shortcut = true): Promise<WriteResult> {
    const { replicationFactor: r, writeQuorum, rpcTimeoutMs } = this.#c.options();
    const position = sha256Hex(record.key);
    const self = this.#c.router.self;
    const whole = this.#c.router.wholeNetworkNear?.(position, 2 * r);
    // Recent lookups of the key's region may know its replicas: checked while the write runs (cached-replicas.ts).
    const cached = whole || !shortcut ? undefined : cachedReplicaSet(this.#c.router, position, r);
    const check = cached && checkWriteSet({ router: this.#c.router, transport: this.#c.transport, rpcTimeoutMs, signal: scope.signal }, position, cached, r);
    const again = () => {
      this.#c.router.forgetNear?.(position);
      this.#c.log.debug({ key: record.key }, "cached replica set not confirmed; writing again through a lookup");
      return this.#writeOnce(record, scope, conflict, false);
    };
    const found = whole ?? cached ?? (await this.#c.lookup(position, r, scope)).closest;
    scope.throwIfAborted();
    const candidates = byDistance([self, ...found], position);
    const replicas = candidates.slice(0, r);
    // Sloppy but bounded: a failed replica is replaced by the next closest candidate, at most
    // R replacements per write, so R copies usually exist even when one holder is down. From
    // the whole network's 2R closest these are the rest; after a lookup, the table adds the
    // ones the lookup did not need to ask.
    const inSet = new Set(replicas.map((x) => x.id));
    const spares = (whole || cached ? candidates : byDistance([...candidates, ...this.#c.router.closestKnown(position, 2 * r)], position))
      .filter((c) => !inSet.has(c.id))
      .slice(0, r);
    // A replica holding a newer version ends the write at once (see QuorumWriteOptions.fatal).
    const conflicts = new Set<DhtError>();
    const clockRefusals: WriteFailure[] = [];
    const write = startQuorumWrite({
      candidates: new SpareCandidates([...replicas, ...spares]),
      replicas: replicas.length,
      quorum: writeQuorum,
      write: async (peer) => {
        // A peer beyond the R closest stands in for a failed replica (hinted hand-off gives the copy back).
        const trace = scope.trace && { parent: scope.trace, name: inSet.has(peer.id) ? "replica store" : "stand-in store", attributes: { standIn: !inSet.has(peer.id) } };
        const res = await this.storeAt(peer, record, rpcTimeoutMs, scope.signal, trace);
        // An ack is a replica that applied this version or already held exactly it.
        if (res.applied) return;
        const order = compareVersions(res.current, record.version);
        if (order === 0) return;
        if (order > 0) {
          if (!conflict.newest || compareVersions(res.current, conflict.newest) > 0) Object.assign(conflict, { newest: res.current, holder: peer });
          const error = new DhtError(`replica ${peer.id.slice(0, 8)} holds a newer version`, "aborted");
          conflicts.add(error);
          throw error;
        }
        throw new DhtError(`replica ${peer.id.slice(0, 8)} did not keep the record`, "failed_precondition");
      },
      fatal: (error) => conflicts.has(error),
      shortfall: (stored, failures) => {
        this.#c.log.warn({ key: record.key, acked: stored, writeQuorum, failures: failures.length }, "write quorum not reached");
        clockRefusals.push(...failures.filter((f) => f.error.code === "failed_precondition" && f.error.message.includes(CLOCK_OFFSET_HINT)));
        const first = clockRefusals[0];
        if (first) {
          // One replica with a slow clock refuses honest writers too, but they reach the quorum
          // through the others; a write that fails on such refusals comes from a fast clock.
          return new DhtError(
            `write refused: ${clockRefusals.length} replica(s) say this peer's clock is ahead of theirs by more than the max clock offset, e.g. ${first.peer.id.slice(0, 8)}: ${first.error.message}; ${stored} of ${writeQuorum} required replicas acknowledged`,
            "failed_precondition",
          );
        }
        // Every replica tried is full: the network is out of space for this record, not unreachable.
        const full = failures.length > 0 && failures.every((f) => f.error.code === "resource_exhausted");
        if (full) {
          return DhtError.diskFull(`write refused: ${stored} of ${writeQuorum} required replicas acknowledged; ${failures.map((f) => `${f.peer.id.slice(0, 8)}: ${f.error.message}`).join("; ")}`);
        }
        const detail = failures.length ? ` (${failures.map((f) => `${f.peer.id.slice(0, 8)}: ${f.error.code}`).join("; ")})` : "";
        return DhtError.unavailable(`write quorum not reached: ${stored} of ${writeQuorum} required replicas acknowledged${detail}`);
      },
    });
    this.#c.track(write.settled);
    try {
      const acked = await write.reached;
      check?.settle(acked);
      if (check && !(await check.result)) return await again();
      if (scope.trace) this.#c.tracer?.mark("write quorum", scope.trace, { acks: acked.length, writeQuorum, by: acked.map((c) => c.id.slice(0, 8)).join(",") });
      return { key: record.key, position, version: record.version, replicas, acknowledgedBy: acked.map((c) => c.id) };
    } catch (error) {
      check?.settle([]);
      if (check && errorCode(error) === "unavailable" && !(await check.result)) return await again();
      if (clockRefusals.length > 0) {
        observe(this.#c.metrics?.event, "clock_offset_refused");
        this.#c.log.warn({ key: record.key, err: String(error) }, "write refused: this peer's clock is ahead of other peers' beyond the max clock offset");
        // A version from our future must not stay anywhere we can take it back: it would beat
        // later writes once time caught up with it. Ours goes once no writer can add it again.
        await write.settled;
        await this.#c.records.removeIfVersion(record.key, record.version).catch(() => false);
      }
      throw error;
    }
  }

  /** Writes to self through its records, to others through the transport; reports to the router. */
  async storeAt(peer: Contact, record: DhtRecord, timeoutMs: number, signal?: AbortSignal, trace?: CallTrace): Promise<StoreResult> {
    if (peer.id === this.#c.router.self.id) {
      // Thrown as a failed replica: the writer moves on to the next closest peer.
      if (!this.#c.storesLocally()) throw DhtError.unavailable("this peer is leaving the network: its own copy would not survive");
      const span = startSpan(this.#c.tracer, trace?.parent, `${trace?.name ?? "store"} (self)`, "internal", { ...trace?.attributes, "peer.id": peer.id });
      try {
        const res = await this.#c.records.keep(record);
        if (res.applied) this.#c.stored(record.key);
        span?.set("applied", res.applied).end();
        return res;
      } catch (error) {
        span?.end(error);
        throw error;
      }
    }
    try {
      const opts = signal ? { timeoutMs, signal } : { timeoutMs };
      const res = await this.#c.transport.store(peer, record, trace ? { ...opts, trace } : opts);
      this.#c.router.reportSuccess(peer);
      return res;
    } catch (error) {
      // Only silence is a routing failure: a peer that refused (full, stale, invalid) answered.
      const code = errorCode(error);
      if (code === "unavailable" || code === "deadline_exceeded") this.#c.router.reportFailure(peer, error);
      else if (code !== "canceled") this.#c.router.reportSuccess(peer);
      this.#c.log.debug({ peer: peer.id, key: record.key, err: String(error) }, "replica store failed");
      throw error;
    }
  }
}
