import { performance } from "node:perf_hooks";
import { DhtError } from "../errors.js";
import { silentLogger } from "../types.js";
import type {
  Contact,
  DhtRecord,
  Logger,
  LookupResult,
  LookupStep,
  NodeId,
  RecordStore,
  Router,
  Transport,
  Version,
} from "../types.js";
import { callWithDeadline } from "./deadline.js";
import type { HybridLogicalClock } from "./hlc.js";
import { OperationStats } from "./op-stats.js";
import type { Operation, OperationStatsSnapshot } from "./op-stats.js";
import { resolveReplicationOptions } from "./options.js";
import type { ReplicationOptions } from "./options.js";
import { byDistance, sha256Hex } from "./position.js";
import { validateKey, validateRecord, validateValueSize } from "./record-validation.js";
import { compareVersions } from "./version.js";

export interface ReplicationComponents {
  router: Router;
  transport: Transport;
  /** This peer's own records: self is written and read through it, never through the transport. */
  store: RecordStore;
  clock: HybridLogicalClock;
  logger?: Logger;
}

/** Outcome of a put or delete, returned once W replicas have acknowledged. */
export interface WriteResult {
  key: string;
  position: NodeId;
  version: Version;
  /** The R peers closest to the position (self included when it is one of them). */
  replicas: Contact[];
  /** Peers that had acknowledged when the quorum was reached (may include a fallback peer). */
  acknowledgedBy: NodeId[];
}

/** What one replica answered to a get. */
export interface ReplicaReport {
  peer: Contact;
  answered: boolean;
  /** The version it holds; absent when it answered without the key or did not answer. */
  version?: Version;
  tombstone: boolean;
  /** A read repair (the newest record) was sent to it in the background. */
  repaired: boolean;
}

export interface ReadOptions {
  /** Return the lookup path (peers contacted, in order, with timings). Default false. */
  trace?: boolean;
  /** Ask all R replicas instead of a read quorum. Default false. */
  allReplicas?: boolean;
}

export interface LookupTrace {
  steps: LookupStep[];
  hops: number;
  totalMs: number;
}

export interface ReadResult {
  key: string;
  position: NodeId;
  /** The newest live record among the answers. */
  record: DhtRecord;
  replicas: ReplicaReport[];
  /** Present when the get asked for a trace. */
  trace?: LookupTrace;
}

const INVALID = Symbol("invalid");

/**
 * Coordinates client reads and writes Dynamo-style over Kademlia (ARCHITECTURE.md §3): a
 * record lives on the R peers closest to SHA-256(key); writes wait for W acknowledgements,
 * reads for Rq answers, the newest version wins and stale replicas are repaired.
 *
 * Background work (writes beyond the quorum, read repairs) never rejects; `idle()` waits for it.
 */
export class ReplicationCoordinator {
  readonly #router: Router;
  readonly #transport: Transport;
  readonly #store: RecordStore;
  readonly #clock: HybridLogicalClock;
  readonly #log: Logger;
  readonly #stats = new OperationStats();
  readonly #background = new Set<Promise<void>>();
  #pendingRepairs = 0;
  #options: ReplicationOptions;

  /** Throws DhtError INVALID_ARGUMENT when options are inconsistent (see resolveReplicationOptions). */
  constructor(components: ReplicationComponents, options: Partial<ReplicationOptions> = {}) {
    this.#router = components.router;
    this.#transport = components.transport;
    this.#store = components.store;
    this.#clock = components.clock;
    this.#log = components.logger ?? silentLogger;
    this.#options = resolveReplicationOptions(options);
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
   * Errors: INVALID_ARGUMENT (key), RESOURCE_EXHAUSTED (value too large), UNAVAILABLE
   * (fewer than W acknowledgements; the message says how many).
   */
  put(key: string, value: Uint8Array): Promise<WriteResult> {
    return this.#timed("put", async () => {
      validateKey(key);
      validateValueSize(value.byteLength, this.#options.maxValueBytes);
      return this.#write({ key, value, version: this.#clock.now(), tombstone: false });
    });
  }

  /**
   * Deletes `key` by writing a tombstone exactly like a put, even when no replica holds the
   * key, so that a replica that missed an earlier write cannot resurrect it later.
   */
  delete(key: string): Promise<WriteResult> {
    return this.#timed("delete", async () => {
      validateKey(key);
      return this.#write({ key, value: new Uint8Array(0), version: this.#clock.now(), tombstone: true });
    });
  }

  /**
   * Reads `key` from a read quorum: Rq of the R closest peers (this peer counts when it is
   * one), asked in distance order, a failed one replaced by the next of the R. Rq + W > R,
   * so the answers include every acknowledged write; the newest version wins, and the
   * replicas that answered with an older one are repaired in the background.
   *
   * `trace` returns the lookup's path (a lookup then runs even where the routing table is
   * the whole network). `allReplicas` asks every one of the R instead of a quorum, to show
   * each replica's version (what the dashboard does). Peers outside the replica set that
   * answer the lookup count too: after churn they may hold the only copy.
   *
   * Errors: INVALID_ARGUMENT (key), UNAVAILABLE (fewer than Rq answers), NOT_FOUND (no
   * record, or the newest is a tombstone).
   */
  get(key: string, opts: ReadOptions = {}): Promise<ReadResult> {
    return this.#timed("get", async () => {
      validateKey(key);
      const { replicationFactor, readQuorum } = this.#options;
      const position = sha256Hex(key);
      const self = this.#router.self;
      const answers = new Map<NodeId, DhtRecord | null>();
      // Our own copy counts even when we are outside the set (a former replica holder).
      answers.set(self.id, (await this.#store.get(key)) ?? null);

      const needed = opts.allReplicas ? replicationFactor : readQuorum;
      let candidates: Contact[];
      let lookup: LookupResult | undefined;
      // R replicas and as many spares (a write's fallbacks), without a lookup when the routing table is the whole network.
      const whole = opts.trace ? undefined : this.#router.wholeNetworkNear?.(position, 2 * replicationFactor);
      if (whole) {
        candidates = byDistance([self, ...whole], position).slice(0, 2 * replicationFactor);
      } else {
        lookup = await this.#lookup(position, needed, key);
        for (const [peer, record] of lookup.records) {
          const accepted = this.#acceptRemote(peer, key, record);
          if (accepted !== INVALID) answers.set(peer, accepted);
        }
        // The lookup already skipped peers that failed; what it found closest is the set.
        candidates = byDistance([self, ...lookup.closest], position);
      }
      const { set, consulted } = await this.#readQuorum(key, candidates, needed, answers);

      const answered = set.filter((r) => answers.has(r.id)).length;
      if (answered < readQuorum) {
        throw new DhtError(
          `read quorum not reached: ${answered} of ${readQuorum} required replicas answered`,
          "unavailable",
        );
      }
      let newest: DhtRecord | undefined;
      for (const record of answers.values()) {
        if (record && (!newest || compareVersions(record.version, newest.version) > 0)) newest = record;
      }

      const reports = consulted.map((peer): ReplicaReport => {
        const held = answers.get(peer.id);
        const report: ReplicaReport = {
          peer,
          answered: held !== undefined,
          tombstone: held?.tombstone ?? false,
          repaired: false,
        };
        if (held) report.version = held.version;
        // Only replicas that answered: one that did not is likely down and costs a deadline.
        if (newest && held !== undefined && (held === null || compareVersions(held.version, newest.version) < 0)) {
          report.repaired = this.#repair(peer, newest);
        }
        return report;
      });

      if (!newest || newest.tombstone) throw new DhtError(`key not found`, "not_found");
      const result: ReadResult = { key, position, record: newest, replicas: reports };
      if (opts.trace && lookup) result.trace = { steps: lookup.steps, hops: lookup.hops, totalMs: lookup.totalMs };
      return result;
    });
  }

  /**
   * Asks the replica set for `key` until `needed` of it have answered. The set is the first
   * R of `candidates` (closest first, self included and already in `answers`) that have not
   * failed: a replica that fails or answers nonsense is replaced by the next candidate, as a
   * write falls back to the next closest. Each round asks as many as are still needed.
   * Returns the final replica set and the peers consulted (the set's answered members and
   * every peer asked), both closest first.
   */
  async #readQuorum(
    key: string,
    candidates: Contact[],
    needed: number,
    answers: Map<NodeId, DhtRecord | null>,
  ): Promise<{ set: Contact[]; consulted: Contact[] }> {
    const { rpcTimeoutMs, replicationFactor } = this.#options;
    const asked = new Set<NodeId>();
    const failed = new Set<NodeId>();
    const replicaSet = () => candidates.filter((c) => !failed.has(c.id)).slice(0, replicationFactor);
    const ask = async (peer: Contact): Promise<void> => {
      asked.add(peer.id);
      try {
        const res = await callWithDeadline(rpcTimeoutMs, (o) => this.#transport.findValue(peer, key, o));
        this.#router.reportSuccess(peer);
        const accepted = this.#acceptRemote(peer.id, key, res.record ?? null);
        if (accepted !== INVALID) answers.set(peer.id, accepted);
        else failed.add(peer.id);
      } catch (error) {
        failed.add(peer.id);
        this.#router.reportFailure(peer, error);
        this.#log.debug({ peer: peer.id, err: String(error) }, "replica did not answer a read");
      }
    };
    for (;;) {
      const set = replicaSet();
      const have = set.filter((c) => answers.has(c.id)).length;
      const next = set.filter((c) => !answers.has(c.id) && !asked.has(c.id)).slice(0, Math.max(0, needed - have));
      if (next.length === 0) break;
      await Promise.all(next.map(ask));
    }
    const set = replicaSet();
    const inSet = new Set(set.map((c) => c.id));
    return { set, consulted: candidates.filter((c) => asked.has(c.id) || (inSet.has(c.id) && answers.has(c.id))) };
  }

  async #write(record: DhtRecord): Promise<WriteResult> {
    const { replicationFactor, writeQuorum, rpcTimeoutMs } = this.#options;
    const position = sha256Hex(record.key);
    const self = this.#router.self;
    const whole = this.#router.wholeNetworkNear?.(position, 2 * replicationFactor);
    const candidates = byDistance([self, ...(whole ?? (await this.#lookup(position, replicationFactor)).closest)], position);
    const replicas = candidates.slice(0, replicationFactor);
    // Sloppy but bounded: a failed replica is replaced by the next closest candidate, at
    // most R replacements per write, so R copies usually exist even when one holder is down.
    // From the whole network's 2R closest these are the rest; after a lookup, the table adds
    // the ones the lookup did not need to ask.
    const inSet = new Set(replicas.map((r) => r.id));
    const spares = (whole ? candidates : byDistance([...candidates, ...this.#router.closestKnown(position, 2 * replicationFactor)], position))
      .filter((c) => !inSet.has(c.id))
      .slice(0, replicationFactor);

    const acked: NodeId[] = [];
    const failures: string[] = [];
    let running = replicas.length;

    return new Promise<WriteResult>((resolve, reject) => {
      let settled = false;
      const check = () => {
        if (settled) return;
        if (acked.length >= writeQuorum) {
          settled = true;
          resolve({ key: record.key, position, version: record.version, replicas, acknowledgedBy: [...acked] });
        } else if (acked.length + running < writeQuorum) {
          // Each running chain can add at most one acknowledgement: the quorum is out of reach.
          settled = true;
          const detail = failures.length ? ` (${failures.join("; ")})` : "";
          this.#log.warn({ key: record.key, acked: acked.length, writeQuorum, failures }, "write quorum not reached");
          reject(
            new DhtError(
              `write quorum not reached: ${acked.length} of ${writeQuorum} required replicas acknowledged${detail}`,
              "unavailable",
            ),
          );
        }
      };
      const chain = async (first: Contact) => {
        for (let peer: Contact | undefined = first; peer; peer = spares.shift()) {
          try {
            await this.#storeAt(peer, record, rpcTimeoutMs);
            acked.push(peer.id);
            return;
          } catch (error) {
            failures.push(`${peer.id.slice(0, 8)}: ${error instanceof DhtError ? error.code : String(error)}`);
          }
        }
      };
      for (const replica of replicas) {
        this.#track(
          chain(replica).finally(() => {
            running--;
            check();
          }),
        );
      }
      check(); // no replicas at all (impossible with self, but keep the promise total)
    });
  }

  /** Writes to self through the store, to others through the transport; reports to the router. */
  async #storeAt(peer: Contact, record: DhtRecord, timeoutMs: number): Promise<void> {
    if (peer.id === this.#router.self.id) {
      await this.#store.merge(record);
      return;
    }
    try {
      await callWithDeadline(timeoutMs, (o) => this.#transport.store(peer, record, o));
      this.#router.reportSuccess(peer);
    } catch (error) {
      this.#router.reportFailure(peer, error);
      this.#log.debug({ peer: peer.id, key: record.key, err: String(error) }, "replica store failed");
      throw error;
    }
  }

  /** Schedules a read repair unless too many are in flight; returns whether it was sent. */
  #repair(peer: Contact, record: DhtRecord): boolean {
    if (this.#pendingRepairs >= this.#options.maxPendingRepairs) return false;
    this.#pendingRepairs++;
    this.#track(
      this.#storeAt(peer, record, this.#options.rpcTimeoutMs)
        .catch((error) => this.#log.warn({ peer: peer.id, key: record.key, err: String(error) }, "read repair failed"))
        .finally(() => this.#pendingRepairs--),
    );
    return true;
  }

  /** A record another peer returned: checked like an incoming Store, or INVALID (logged). */
  #acceptRemote(peer: NodeId, key: string, record: DhtRecord | null): DhtRecord | null | typeof INVALID {
    if (record === null) return null;
    try {
      validateRecord(record, this.#options);
      if (record.key !== key) throw new DhtError(`record.key: asked for another key`, "invalid_argument");
      this.#clock.observe(record.version);
      return record;
    } catch (error) {
      this.#log.warn({ peer, err: String(error) }, "ignoring an invalid record from a peer");
      return INVALID;
    }
  }

  async #lookup(position: NodeId, wanted: number, key?: string): Promise<LookupResult> {
    try {
      // countSelf: when we are one of the R closest, R-1 others suffice (we read and write
      // ourselves through the store); saves a request on R/n of operations.
      return await this.#router.lookup(position, key === undefined ? { wanted, countSelf: true } : { wanted, key, countSelf: true });
    } catch (error) {
      // Fall back to what the routing table knows rather than failing the call outright.
      this.#log.warn({ position, err: String(error) }, "lookup failed; using the routing table");
      return {
        target: position,
        closest: this.#router.closestKnown(position, wanted),
        records: new Map(),
        steps: [],
        totalMs: 0,
        hops: 0,
      };
    }
  }

  #track(work: Promise<unknown>): void {
    const p = work.then(
      () => undefined,
      () => undefined,
    );
    this.#background.add(p);
    void p.finally(() => this.#background.delete(p));
  }

  async #timed<T>(op: Operation, run: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      const result = await run();
      this.#stats.record(op, performance.now() - start, true);
      return result;
    } catch (error) {
      const notFound = error instanceof DhtError && error.code === "not_found";
      this.#stats.record(op, performance.now() - start, notFound);
      throw error;
    }
  }
}
