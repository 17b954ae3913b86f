/**
 * Anti-entropy (Dynamo §4.7, Cassandra repair), hand-off and tombstone collection: the
 * background work that keeps every record at R copies while peers join, leave and crash.
 *
 * Every `repairIntervalMs`, and promptly after a membership change, a round:
 *  1. for each neighbour that shares responsibility for a held record, sends the root of the
 *     digest of "records both should hold" (one small RPC; at rest that is all a round costs);
 *     on a mismatch it fetches the neighbour's leaf hashes, then the (key, version) pairs of
 *     the differing leaves, pushes what the neighbour lacks (Store) and pulls what it lacks
 *     itself (FetchRecords);
 *  2. hands each held record it is no longer a replica of to its R closest peers and drops it
 *     once all of them have acknowledged that version;
 *  3. removes tombstones older than `tombstoneGraceMs`.
 * A neighbour whose digest call fails is pinged at once, so a crashed peer is evicted from the
 * routing table within a round and the survivors' next round restores R copies.
 * Everything is bounded: transfers in flight, records per round, entries per exchange, and a
 * per-peer exponential backoff.
 */
import { createHash } from "node:crypto";
import { DhtError } from "../errors.js";
import { silentLogger, systemClock } from "../types.js";
import type { Clock, Contact, DhtRecord, Logger, NodeId, RecordSummary, Router, Transport } from "../types.js";
import { forEachBounded } from "./bounded.js";
import { resolveAntiEntropyOptions, type AntiEntropyOptions } from "./anti-entropy-options.js";
import { callWithDeadline } from "./deadline.js";
import type { HybridLogicalClock } from "./hlc.js";
import type { IndexedRecordStore } from "./indexed-store.js";
import type { ReplicationOptions } from "./options.js";
import { sha256Hex } from "./position.js";
import { LEAF_COUNT, leafOf, validLeaves } from "./range-digest.js";
import { validateKey, validateRecord, validateVersion } from "./record-validation.js";
import { buildReplicaView, replicaSet, replicaSetWithoutSelf, type ReplicaView } from "./replica-view.js";
import { SyncHandlers, MAX_SYNC_KEYS_PAGE } from "./sync-handlers.js";
import type { ValuelessUpgrades } from "./valueless-upgrade.js";
import { compareVersions } from "./version.js";

export interface AntiEntropyComponents {
  self: Contact;
  router: Router;
  transport: Transport;
  store: IndexedRecordStore;
  hlc: HybridLogicalClock;
  /** Every live contact of the routing table (membership fingerprint, goodbyes). */
  contacts: () => Contact[];
  /** Replication settings in force (R, maxValueBytes, rpcTimeoutMs). */
  replication: () => Readonly<ReplicationOptions>;
  clock?: Clock;
  logger?: Logger;
}

/** A peer's replication health, for the API, the dashboard and metrics. */
export interface ReplicationHealth {
  recordsPrimary: number;
  recordsReplica: number;
  /** Held without being among the R closest: awaiting hand-off. */
  recordsHandoff: number;
  /** Records known, as of the last round, to lack an up-to-date copy on some replica. */
  underReplicated: number;
  /** End of the last round, Unix ms; 0 before the first. */
  lastRepairAtMs: number;
  repairRounds: number;
  recordsPushed: number;
  recordsPulled: number;
  recordsDropped: number;
  tombstonesCollected: number;
  /** Records from other peers rejected as invalid during anti-entropy. */
  recordsRejected: number;
  /** Approximate payload bytes of anti-entropy messages (digests, key lists, records). */
  bytesSent: number;
  bytesReceived: number;
  neighbours: number;
  repairIntervalMs: number;
}

/** Outcome of a graceful leave. */
export interface LeaveResult {
  handedOff: number;
  failed: number;
  neighboursTold: number;
}

const SUMMARY_BYTES = 100; // rough size of a (key, version) entry on the wire
const RECORD_OVERHEAD = 120;

interface Backoff {
  failures: number;
  untilMs: number;
}

type HeldVersion = Pick<RecordSummary, "version" | "tombstone">;

/** A copy held at `older` that `upgrades` can raise to `newer` without its value (both live, not tombstones). */
function raisable(upgrades: ValuelessUpgrades, key: string, older: HeldVersion | undefined, newer: HeldVersion | undefined): boolean {
  return !!older && !!newer && !older.tombstone && !newer.tombstone && upgrades.covers(key, older.version, newer.version);
}

export class AntiEntropy {
  readonly #c: AntiEntropyComponents;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly handlers: SyncHandlers;
  #options: AntiEntropyOptions;
  #view: ReplicaView | undefined;
  readonly #backoff = new Map<NodeId, Backoff>();
  /** Neighbours whose key lists matched ours but still hashed differently (views disagree):
   * skipped until our view changes, or for maxBackoffRounds intervals at most (theirs may change). */
  readonly #disagree = new Map<NodeId, { stamp: string; untilMs: number }>();
  #timer: NodeJS.Timeout | undefined;
  #dueAtMs = Infinity;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  #under = 0;
  #upgrades: ValuelessUpgrades | undefined;
  readonly #stats = {
    lastRepairAtMs: 0,
    repairRounds: 0,
    recordsPushed: 0,
    recordsPulled: 0,
    recordsDropped: 0,
    tombstonesCollected: 0,
    recordsRejected: 0,
    bytesSent: 0,
    bytesReceived: 0,
  };

  constructor(components: AntiEntropyComponents, options: Partial<AntiEntropyOptions> = {}) {
    this.#c = components;
    this.#clock = components.clock ?? systemClock;
    this.#log = components.logger ?? silentLogger;
    this.#options = resolveAntiEntropyOptions(options);
    this.handlers = new SyncHandlers({
      store: components.store,
      view: () => this.view(),
      maxFetchBytes: () => this.#options.maxFetchBytes,
    });
  }

  /**
   * From now on, raises a neighbour's (or our own) older copy of a record whose value is fixed
   * by its key by sending only the version (see ValuelessUpgrades), instead of the whole record.
   */
  useValuelessUpgrades(upgrades: ValuelessUpgrades): void {
    this.#upgrades = upgrades;
  }

  get options(): Readonly<AntiEntropyOptions> {
    return this.#options;
  }

  /** Changes settings live; all-or-nothing (throws DhtError INVALID_ARGUMENT naming the field). */
  updateOptions(partial: Partial<AntiEntropyOptions>): void {
    const before = this.#options.repairIntervalMs;
    this.#options = resolveAntiEntropyOptions(partial, this.#options);
    if (this.#options.repairIntervalMs !== before && !this.#running) this.#schedule(this.#options.repairIntervalMs, true);
  }

  /** Loads the index of held records, then runs rounds every repairIntervalMs (timers do not keep the process alive). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#c.store.load().then(() => this.#schedule(this.#options.promptDelayMs));
  }

  /** Stops the timer and waits for a running round. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** The membership changed (a new contact, a goodbye, an eviction): run a round soon. */
  nudge(): void {
    this.#schedule(this.#options.promptDelayMs);
  }

  /** Runs one round now (or waits for the running one and runs another); for tests and the API. */
  async runRound(): Promise<void> {
    while (this.#running) await this.#running;
    this.#running = this.#round().finally(() => (this.#running = undefined));
    await this.#running;
  }

  health(): ReplicationHealth {
    const v = this.view();
    return {
      ...this.#stats,
      recordsPrimary: v.primary,
      recordsReplica: v.replica,
      recordsHandoff: v.handoff.length,
      underReplicated: this.#under + v.short,
      neighbours: v.neighbours.size,
      repairIntervalMs: this.#options.repairIntervalMs,
    };
  }

  /**
   * The replica view for the current held set and membership, rebuilt only when either
   * changed (O(records); under a stream of writes that is once per round and per incoming
   * digest, a measured few ms per thousand records).
   */
  view(): ReplicaView {
    const r = this.#c.replication().replicationFactor;
    const ids = this.#c.contacts().map((c) => c.id).sort();
    const membership = createHash("sha256").update(ids.join(",")).digest("hex").slice(0, 16);
    const stamp = `${this.#c.store.generation}|${membership}|${r}`;
    if (this.#view?.stamp !== stamp) this.#view = buildReplicaView(stamp, this.#c.self, this.#c.router, this.#c.store, r);
    return this.#view;
  }

  /**
   * Graceful leave: stops rounds, pushes every held record to the R closest other peers
   * (bounded concurrency), then says goodbye to every contact so they drop us at once.
   * A record counts as handed off when all its targets acknowledged its version.
   */
  async leave(): Promise<LeaveResult> {
    await this.stop();
    await this.#c.store.load();
    // Goodbyes first: once our neighbours have dropped us, each record we push lands on a peer
    // that counts itself a replica, instead of one that still sees us and hands it back.
    let neighboursTold = 0;
    const goodbye = this.#c.transport.goodbye;
    const contacts = this.#c.contacts();
    if (goodbye) {
      await forEachBounded(contacts, 16, async (c) => {
        try {
          await this.#call((o) => goodbye.call(this.#c.transport, c, o));
          neighboursTold++;
        } catch {
          // A neighbour that misses the goodbye evicts us after its next failed call.
        }
      });
    }
    const r = this.#c.replication().replicationFactor;
    let handedOff = 0;
    let failed = 0;
    await forEachBounded([...this.#c.store.entries()], this.#options.maxConcurrentTransfers, async ([key, e]) => {
      const targets = replicaSetWithoutSelf(this.#c.self, this.#c.router, e.position, r);
      const record = await this.#c.store.get(key);
      if (!record) return;
      const confirmed = await this.#pushTo(targets, record);
      if (confirmed === targets.length && targets.length > 0) handedOff++;
      else failed++;
    });
    this.#log.info({ handedOff, failed, neighboursTold }, "left the network");
    return { handedOff, failed, neighboursTold };
  }

  // --- scheduling ------------------------------------------------------------------------------

  #schedule(delayMs: number, replace = false): void {
    if (this.#stopped) return;
    const due = this.#clock.now() + delayMs;
    if (this.#running) {
      if (delayMs <= this.#options.promptDelayMs) this.#again = true;
      return;
    }
    if (this.#timer && this.#dueAtMs <= due && !replace) return;
    clearTimeout(this.#timer);
    this.#dueAtMs = due;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#dueAtMs = Infinity;
      this.#running = this.#round().finally(() => {
        this.#running = undefined;
        const prompt = this.#again;
        this.#again = false;
        this.#schedule(prompt ? this.#options.promptDelayMs : this.#options.repairIntervalMs);
      });
    }, delayMs);
    this.#timer.unref();
  }

  // --- one round -------------------------------------------------------------------------------

  async #round(): Promise<void> {
    try {
      await this.#c.store.load();
      const budget = { left: this.#options.maxRecordsPerRound };
      const under = new Set<string>();
      // Expired tombstones go first, so that no peer pushes one to a neighbour that has
      // already collected it (they would bounce between peers forever).
      await this.#collectTombstones(budget);
      const view = this.view();
      await forEachBounded([...view.neighbours.values()], this.#options.maxConcurrentTransfers, (n) =>
        this.#syncWith(n, view, budget, under),
      );
      await this.#handOff(this.view(), budget, under);
      this.#under = under.size;
      this.#stats.repairRounds++;
      this.#stats.lastRepairAtMs = this.#clock.now();
      this.#pruneBackoff();
      // Work left over (a capped round, or our own changes to the held set): go again soon.
      if (budget.left <= 0) this.#again = true;
    } catch (error) {
      this.#log.warn({ err: String(error) }, "anti-entropy round failed");
    }
  }

  async #syncWith(n: Contact, view: ReplicaView, budget: { left: number }, under: Set<string>): Promise<void> {
    const digest = view.digests.get(n.id)!;
    const disagreed = this.#disagree.get(n.id);
    if (this.#backedOff(n.id) || (disagreed?.stamp === view.stamp && this.#clock.now() < disagreed.untilMs)) {
      if (this.#backedOff(n.id)) for (const k of digest.keysOf(range())) under.add(k);
      return;
    }
    const t = this.#c.transport;
    if (!t.syncDigest || !t.syncKeys || !t.fetchRecords) return;
    let res;
    try {
      this.#stats.bytesSent += 40;
      res = await this.#call((o) => t.syncDigest!(n, { root: digest.root(), count: digest.count }, o));
      this.#succeeded(n);
    } catch (error) {
      await this.#failed(n, error, true);
      for (const k of digest.keysOf(range())) under.add(k);
      return;
    }
    this.#stats.bytesReceived += 8 + res.leaves.length * 32;
    if (res.match) return;
    if (!validLeaves(res.leaves)) return this.#reject(n, "SyncDigest answered malformed leaves");
    const diff = digest.differingLeaves(res.leaves);
    const theirs = await this.#listKeys(n, diff);
    if (!theirs) return;

    const r = this.#c.replication().replicationFactor;
    const push: string[] = [];
    const pull: string[] = [];
    for (const key of digest.keysOf(diff)) {
      const mine = this.#c.store.entry(key);
      const other = theirs.get(key);
      if (mine && !this.#expired(mine) && (!other || compareVersions(mine.version, other.version) > 0)) push.push(key);
    }
    for (const [key, other] of theirs) {
      const mine = this.#c.store.entry(key);
      if (this.#expired(other) || (mine && compareVersions(other.version, mine.version) <= 0)) continue;
      // Pull only what we are a replica of by our own view: otherwise we would fetch it
      // now and hand it off again next round.
      const position = mine?.position ?? sha256Hex(key);
      if (replicaSet(this.#c.self, this.#c.router, position, r).some((c) => c.id === this.#c.self.id)) pull.push(key);
    }
    if (push.length === 0 && pull.length === 0) {
      // Same records, different digests: our views of who is responsible differ (one of us
      // knows a peer the other does not). Wait for the views to change instead of re-listing.
      this.#disagree.set(n.id, { stamp: view.stamp, untilMs: this.#clock.now() + this.#options.maxBackoffRounds * this.#options.repairIntervalMs });
      return;
    }
    for (const k of push) under.add(k);
    const pushing = push.slice(0, Math.max(0, budget.left));
    budget.left -= pushing.length;
    let applied = 0;
    const pushedBefore = this.#stats.recordsPushed;
    const whole = await this.#pushVersionsOnly(n, pushing, theirs, under);
    await forEachBounded(whole, this.#options.maxConcurrentTransfers, async (key) => {
      const record = await this.#c.store.get(key);
      if (!record) return;
      if ((await this.#pushTo([n], record)) === 1) under.delete(key);
    });
    applied = this.#stats.recordsPushed - pushedBefore;
    const pulling = pull.slice(0, Math.max(0, budget.left));
    budget.left -= pulling.length;
    const fetching = await this.#applyVersionsOnly(pulling, theirs);
    for (let i = 0; i < fetching.length; i += this.#options.fetchBatch) {
      if (!(await this.#pull(n, fetching.slice(i, i + this.#options.fetchBatch)))) break;
    }
    if (applied === 0 && pulling.length === 0 && pushing.length > 0) {
      // The neighbour already held everything we pushed but did not list it for us: it does
      // not count us among those records' replicas, so one of us misses a peer (e.g. one we
      // evicted while it was down and that has come back). Lookups of a few of the disputed
      // positions meet the peers around them; then wait for the view to change.
      await this.#refreshAround(pushing.slice(0, 3));
      this.#disagree.set(n.id, { stamp: view.stamp, untilMs: this.#clock.now() + this.#options.maxBackoffRounds * this.#options.repairIntervalMs });
    }
  }

  /**
   * Sends only the version for the keys `n` already holds at an older version whose value is
   * fixed by the key; answers the keys that still need a whole record. A failed call leaves
   * its keys under-replicated for the next round (a whole record would fail the same way).
   */
  async #pushVersionsOnly(n: Contact, keys: string[], theirs: Map<string, RecordSummary>, under: Set<string>): Promise<string[]> {
    const upgrades = this.#upgrades;
    if (!upgrades) return keys;
    const whole: string[] = [];
    const versionOnly: string[] = [];
    for (const key of keys) {
      if (raisable(upgrades, key, theirs.get(key), this.#c.store.entry(key))) versionOnly.push(key);
      else whole.push(key);
    }
    for (let i = 0; i < versionOnly.length; i += upgrades.maxBatch) {
      const batch = versionOnly.slice(i, i + upgrades.maxBatch);
      try {
        this.#stats.bytesSent += 40 + batch.reduce((s, k) => s + k.length + 2, 0);
        if (!(await this.#call((o) => upgrades.push(n, batch, o)))) {
          whole.push(...batch); // it lost some meanwhile: those need the value after all
          continue;
        }
        this.#succeeded(n);
        this.#stats.recordsPushed += batch.length;
        for (const k of batch) under.delete(k);
      } catch (error) {
        await this.#failed(n, error, false);
        return whole;
      }
    }
    return whole;
  }

  /** Raises our own copies that only lack a newer version (see #pushVersionsOnly); answers the keys to fetch whole. */
  async #applyVersionsOnly(keys: string[], theirs: Map<string, RecordSummary>): Promise<string[]> {
    const upgrades = this.#upgrades;
    if (!upgrades) return keys;
    const fetch: string[] = [];
    const raise: RecordSummary[] = [];
    for (const key of keys) {
      const mine = this.#c.store.entry(key);
      const other = theirs.get(key)!;
      // Rounds sync with several neighbours at once: another one may have raised it meanwhile.
      if (mine && compareVersions(mine.version, other.version) >= 0) continue;
      if (raisable(upgrades, key, mine, other)) raise.push(other);
      else fetch.push(key);
    }
    if (raise.length > 0) {
      try {
        this.#stats.recordsPulled += await upgrades.apply(raise);
      } catch (error) {
        this.#log.warn({ err: String(error) }, "raising held versions failed; fetching the records instead");
        fetch.push(...raise.map((e) => e.key));
      }
    }
    return fetch;
  }

  /** Looks up the positions of `keys`, learning the live peers around them (the router learns every responder). */
  async #refreshAround(keys: string[]): Promise<void> {
    const r = this.#c.replication().replicationFactor;
    for (const key of keys) {
      try {
        await this.#c.router.lookup(sha256Hex(key), { wanted: r });
      } catch {
        // a failed lookup leaves the view as it was; the next change retries
      }
    }
  }

  /** The neighbour's entries of the given leaves, validated; undefined when it failed or lied. */
  async #listKeys(n: Contact, leaves: number[]): Promise<Map<string, RecordSummary> | undefined> {
    const wanted = new Set(leaves);
    const out = new Map<string, RecordSummary>();
    let after = "";
    for (;;) {
      let page;
      try {
        this.#stats.bytesSent += 40 + leaves.length * 2;
        page = await this.#call((o) => this.#c.transport.syncKeys!(n, { leaves, after, limit: MAX_SYNC_KEYS_PAGE }, o));
      } catch (error) {
        await this.#failed(n, error, false);
        return undefined;
      }
      this.#stats.bytesReceived += page.entries.length * SUMMARY_BYTES;
      if (page.entries.length > MAX_SYNC_KEYS_PAGE) return this.#reject(n, "SyncKeys answered too many entries");
      for (const e of page.entries) {
        try {
          validateKey(e.key, "entries.key");
          validateVersion(e.version, "entries.version");
        } catch (error) {
          return this.#reject(n, `SyncKeys answered a malformed entry: ${String(error)}`);
        }
        // Keys must ascend (paging) and belong to the leaves asked for.
        if (e.key <= after || !wanted.has(leafOf(sha256Hex(e.key)))) return this.#reject(n, "SyncKeys answered an entry out of order or range");
        after = e.key;
        out.set(e.key, { key: e.key, version: e.version, tombstone: e.tombstone === true });
      }
      if (!page.truncated || page.entries.length === 0 || out.size >= this.#options.maxKeysPerExchange) return out;
    }
  }

  /** Fetches and merges `keys` from `n`; the whole batch is rejected if any record is invalid. */
  async #pull(n: Contact, keys: string[]): Promise<boolean> {
    let records: DhtRecord[];
    try {
      this.#stats.bytesSent += 40 + keys.reduce((s, k) => s + k.length + 2, 0);
      records = await this.#call((o) => this.#c.transport.fetchRecords!(n, keys, o));
    } catch (error) {
      await this.#failed(n, error, false);
      return false;
    }
    this.#stats.bytesReceived += records.reduce((s, r) => s + RECORD_OVERHEAD + r.value.byteLength, 0);
    const asked = new Set(keys);
    const { maxValueBytes } = this.#c.replication();
    try {
      if (records.length > keys.length) throw new Error("more records than keys asked for");
      for (const record of records) {
        validateRecord(record, { maxValueBytes });
        if (!asked.has(record.key)) throw new Error(`record.key: ${JSON.stringify(record.key.slice(0, 40))} was not asked for`);
        asked.delete(record.key);
      }
      for (const record of records) this.#c.hlc.observe(record.version);
    } catch (error) {
      this.#stats.recordsRejected += records.length;
      this.#reject(n, `FetchRecords answered an invalid record: ${error instanceof DhtError ? error.message : String(error)}`);
      return false;
    }
    for (const record of records) {
      if ((await this.#c.store.merge(record)).applied) this.#stats.recordsPulled++;
    }
    return true;
  }

  /** Hands each held record we are no longer a replica of to its R closest; drops it once all confirmed. */
  async #handOff(view: ReplicaView, budget: { left: number }, under: Set<string>): Promise<void> {
    if (view.handoff.length === 0) return;
    const r = this.#c.replication().replicationFactor;
    const keys = view.handoff.slice(0, Math.max(0, budget.left));
    budget.left -= keys.length;
    await forEachBounded(keys, this.#options.maxConcurrentTransfers, async (key) => {
      const e = this.#c.store.entry(key);
      if (!e) return;
      const targets = replicaSet(this.#c.self, this.#c.router, e.position, r);
      if (targets.some((c) => c.id === this.#c.self.id) || targets.length < r) return;
      const record = await this.#c.store.get(key);
      if (!record) return;
      const live = targets.filter((c) => !this.#backedOff(c.id));
      const confirmed = await this.#pushTo(live, record);
      if (confirmed === r && (await this.#c.store.removeIfVersion(key, record.version))) this.#stats.recordsDropped++;
      else under.add(key);
    });
  }

  /** A tombstone past its grace period: collected, never pushed or pulled. */
  #expired(e: { tombstone: boolean; version: { wallMs: number } }): boolean {
    return e.tombstone && e.version.wallMs < this.#clock.now() - this.#options.tombstoneGraceMs;
  }

  async #collectTombstones(budget: { left: number }): Promise<void> {
    const cutoff = this.#clock.now() - this.#options.tombstoneGraceMs;
    const expired: [string, DhtRecord["version"]][] = [];
    for (const key of this.#c.store.tombstoneKeys()) {
      const e = this.#c.store.entry(key);
      if (e && e.version.wallMs < cutoff) expired.push([key, e.version]);
      if (expired.length >= budget.left) break;
    }
    budget.left -= expired.length;
    for (const [key, version] of expired) {
      if (await this.#c.store.removeIfVersion(key, version)) this.#stats.tombstonesCollected++;
    }
  }

  /** Stores `record` at each target (in parallel); returns how many hold that version or newer afterwards. */
  async #pushTo(targets: readonly Contact[], record: DhtRecord): Promise<number> {
    const results = await Promise.all(
      targets.map(async (c) => {
        try {
          this.#stats.bytesSent += RECORD_OVERHEAD + record.value.byteLength;
          const res = await this.#call((o) => this.#c.transport.store(c, record, o));
          this.#succeeded(c);
          if (res.applied) this.#stats.recordsPushed++;
          return compareVersions(res.current, record.version) >= 0;
        } catch (error) {
          await this.#failed(c, error, true);
          return false;
        }
      }),
    );
    return results.filter(Boolean).length;
  }

  // --- failures and backoff --------------------------------------------------------------------

  #call<T>(run: (o: { timeoutMs: number; signal?: AbortSignal }) => Promise<T>): Promise<T> {
    return callWithDeadline(this.#c.replication().rpcTimeoutMs, run);
  }

  #backedOff(id: NodeId): boolean {
    const b = this.#backoff.get(id);
    return b !== undefined && this.#clock.now() < b.untilMs;
  }

  #succeeded(c: Contact): void {
    this.#c.router.reportSuccess(c);
    this.#backoff.delete(c.id);
  }

  /** Reports the failure; for a neighbour's digest call, pings it to confirm a crash at once. */
  async #failed(c: Contact, error: unknown, confirm: boolean): Promise<void> {
    // Only the first failure of a peer is confirmed by pings; later ones find it backed off.
    confirm &&= !this.#backedOff(c.id);
    this.#c.router.reportFailure(c, error);
    const code = error instanceof DhtError ? error.code : String(error);
    this.#log.debug({ peer: c.id, error: code }, "anti-entropy call failed");
    if (confirm) {
      for (let i = 0; i < this.#options.failurePings; i++) {
        try {
          await this.#call((o) => this.#c.transport.ping(c, o));
          this.#c.router.reportSuccess(c);
          break;
        } catch (err) {
          this.#c.router.reportFailure(c, err);
        }
      }
    }
    const b = this.#backoff.get(c.id) ?? { failures: 0, untilMs: 0 };
    b.failures++;
    const rounds = Math.min(2 ** (b.failures - 1), this.#options.maxBackoffRounds);
    b.untilMs = this.#clock.now() + rounds * this.#options.repairIntervalMs;
    this.#backoff.set(c.id, b);
    this.nudge(); // an eviction changes replica sets: repair promptly
  }

  #reject(n: Contact, why: string): undefined {
    this.#log.warn({ peer: n.id, why }, "rejected anti-entropy data from a peer");
    const b = this.#backoff.get(n.id) ?? { failures: 0, untilMs: 0 };
    b.failures++;
    b.untilMs = this.#clock.now() + Math.min(2 ** (b.failures - 1), this.#options.maxBackoffRounds) * this.#options.repairIntervalMs;
    this.#backoff.set(n.id, b);
    return undefined;
  }

  /** Forgets backoff of peers no longer in the routing table, so the map stays bounded by it. */
  #pruneBackoff(): void {
    if (this.#backoff.size === 0 && this.#disagree.size === 0) return;
    const known = new Set(this.#c.contacts().map((c) => c.id));
    for (const id of this.#backoff.keys()) if (!known.has(id)) this.#backoff.delete(id);
    for (const id of this.#disagree.keys()) if (!known.has(id)) this.#disagree.delete(id);
  }
}

/** Every leaf index: the whole digest's keys. */
function range(): number[] {
  return Array.from({ length: LEAF_COUNT }, (_, i) => i);
}
