/**
 * Anti-entropy (Dynamo §4.7, Cassandra repair), hand-off and tombstone collection: the
 * background work that keeps every record at R copies while peers join, leave and crash.
 *
 * Every `repairIntervalMs`, and promptly after a membership change (round-scheduler.ts), a round:
 *  1. removes tombstones past their grace period (tombstone-gc.ts), first, so that no peer
 *     pushes one to a neighbour that has already collected it;
 *  2. syncs with each neighbour that shares responsibility for a held record
 *     (neighbour-sync.ts): one small digest RPC each at rest, key lists and transfers only
 *     where the digests differ;
 *  3. hands each held record it is no longer a replica of to its R closest (hand-off.ts).
 * Between rounds, a record stored here while this peer is not among its R closest (it stood in
 * for a replica that did not answer) is handed back within seconds (hinted-handoff.ts).
 * A neighbour whose digest call fails is pinged at once (peer-backoff.ts), so a crashed peer
 * is evicted within a round and the survivors' next round restores R copies. Everything is
 * bounded: transfers in flight, records per round, entries per exchange, per-peer backoff.
 */
import { createHash } from "node:crypto";
import { silentLogger, systemClock } from "../types.js";
import type { Clock, Contact, Logger, NodeId, Router } from "../types.js";
import type { Transport } from "../rpc/peer-rpc.js";
import type { LocalRecords } from "../records/local-records.js";
import type { ReplicationOptions } from "../replication/options.js";
import { resolveAntiEntropyOptions, type AntiEntropyOptions } from "./anti-entropy-options.js";
import { forEachBounded } from "./bounded.js";
import { handOff } from "./hand-off.js";
import { HintedHandoff } from "./hinted-handoff.js";
import { handEverythingOff, type LeaveResult } from "./leave.js";
import { syncWith } from "./neighbour-sync.js";
import { PeerBackoff } from "./peer-backoff.js";
import { newRepairCounters, type RepairContext, type RepairCounters } from "./repair-context.js";
import { buildReplicaView, type ReplicaView } from "./replica-view.js";
import { RoundScheduler } from "./round-scheduler.js";
import { SyncHandlers } from "./sync-handlers.js";
import { collectTombstones } from "./tombstone-gc.js";

export type { LeaveResult };

export interface AntiEntropyComponents {
  self: Contact;
  router: Router;
  transport: Transport;
  records: LocalRecords;
  /** Every live contact of the routing table (membership fingerprint, goodbyes). */
  contacts: () => Contact[];
  /** Replication settings in force (R, maxValueBytes, rpcTimeoutMs). */
  replication: () => Readonly<ReplicationOptions>;
  clock?: Clock;
  logger?: Logger;
}

/** A peer's replication health, for the API, the dashboard and metrics. */
export interface ReplicationHealth extends RepairCounters {
  recordsPrimary: number;
  recordsReplica: number;
  /** Held without being among the R closest: awaiting hand-off. */
  recordsHandoff: number;
  /** Records known, as of the last round, to lack an up-to-date copy on some replica. */
  underReplicated: number;
  neighbours: number;
  repairIntervalMs: number;
  /** Deletes whose tombstones were collected, remembered so their values cannot come back. */
  collectedDeletes: number;
  /** Collected deletes forgotten to stay within maxCollectedDeletes. */
  collectedDeletesForgotten: number;
}

export class AntiEntropy {
  readonly #c: AntiEntropyComponents;
  readonly #ctx: RepairContext;
  readonly #scheduler: RoundScheduler;
  readonly #hints: HintedHandoff;
  /** The incoming side: what this peer answers to SyncDigest, SyncKeys and FetchRecords. */
  readonly handlers: SyncHandlers;
  #options: AntiEntropyOptions;
  #view: ReplicaView | undefined;
  #under = 0;

  constructor(components: AntiEntropyComponents, options: Partial<AntiEntropyOptions> = {}) {
    this.#c = components;
    this.#options = resolveAntiEntropyOptions(options);
    components.records.deletes.max = this.#options.maxCollectedDeletes;
    const clock = components.clock ?? systemClock;
    const log = components.logger ?? silentLogger;
    this.#ctx = {
      self: components.self,
      router: components.router,
      transport: components.transport,
      records: components.records,
      store: components.records.store,
      contacts: components.contacts,
      replication: components.replication,
      settings: this,
      clock,
      log,
      counters: newRepairCounters(),
      backoff: new PeerBackoff({ router: components.router, transport: components.transport, clock, log, host: this }),
    };
    this.#hints = new HintedHandoff(this.#ctx);
    this.#scheduler = new RoundScheduler({ clock, settings: this, round: this.#round.bind(this) });
    this.handlers = new SyncHandlers({ records: components.records, source: this });
  }

  get options(): Readonly<AntiEntropyOptions> {
    return this.#options;
  }

  /** The deadline of one anti-entropy call (the node's peer-call deadline). */
  rpcTimeoutMs(): number {
    return this.#c.replication().rpcTimeoutMs;
  }

  /** Changes settings live; all-or-nothing (throws DhtError INVALID_ARGUMENT naming the field). */
  updateOptions(partial: Partial<AntiEntropyOptions>): void {
    const before = this.#options.repairIntervalMs;
    this.#options = resolveAntiEntropyOptions(partial, this.#options);
    this.#c.records.deletes.max = this.#options.maxCollectedDeletes;
    if (this.#options.repairIntervalMs !== before) this.#scheduler.intervalChanged();
  }

  /** Loads the index of held records, then runs rounds every repairIntervalMs. */
  start(): void {
    this.#scheduler.start(Promise.all([this.#ctx.store.load(), this.#c.records.deletes.load()]));
    this.#hints.start();
  }

  /** Stops the timers and waits for a running round and hand-back. */
  async stop(): Promise<void> {
    await Promise.all([this.#scheduler.stop(), this.#hints.stop()]);
  }

  /** A record of `key` was just stored here (by a writer, a read repair or a hand-off): hand it back soon if this peer is not one of its replicas. */
  stored(key: string): void {
    this.#hints.stored(key);
  }

  /** The membership changed (a new contact, a goodbye, an eviction): run a round soon. */
  nudge(): void {
    this.#scheduler.nudge();
  }

  /** A contact joined or came back (e.g. a partition healed): a round soon, and every hinted hand-off now. */
  contactAdded(): void {
    this.#scheduler.nudge();
    this.#hints.retryNow();
  }

  /**
   * A peer was heard from directly: if it was backed off for not answering, it answers now.
   * Without this, a neighbour that failed for a while (a partition) stayed skipped for up to
   * maxBackoffRounds rounds after it came back, and its records under-replicated meanwhile.
   */
  contactHeard(id: NodeId): void {
    if (this.#ctx.backoff.forgive(id)) this.#scheduler.nudge();
  }

  /** Runs one round now (or waits for the running one and runs another); for tests and the API. */
  runRound(): Promise<void> {
    return this.#scheduler.runNow();
  }

  health(): ReplicationHealth {
    const v = this.view();
    return {
      ...this.#ctx.counters,
      recordsPrimary: v.primary,
      recordsReplica: v.replica,
      recordsHandoff: v.handoff.length,
      underReplicated: this.#under + v.short,
      neighbours: v.neighbours.size,
      repairIntervalMs: this.#options.repairIntervalMs,
      collectedDeletes: this.#c.records.deletes.size,
      collectedDeletesForgotten: this.#c.records.deletes.evicted,
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
    const store = this.#ctx.store;
    const stamp = `${store.generation}|${membership}|${r}`;
    if (this.#view?.stamp !== stamp) this.#view = buildReplicaView(stamp, this.#c.self, this.#c.router, store, r);
    return this.#view;
  }

  /**
   * Graceful leave: stops rounds, says goodbye to every contact so they drop us at once, then
   * pushes every held record to the R closest other peers.
   */
  async leave(): Promise<LeaveResult> {
    await this.stop();
    return handEverythingOff(this.#ctx);
  }

  async #round(): Promise<void> {
    const c = this.#ctx;
    try {
      await c.store.load();
      const budget = { left: this.#options.maxRecordsPerRound };
      const under = new Set<string>();
      await collectTombstones(c, budget);
      const view = this.view();
      await forEachBounded([...view.neighbours.values()], this.#options.maxConcurrentTransfers, (n) => syncWith(c, n, view, budget, under));
      await handOff(c, this.view(), budget, under);
      this.#under = under.size;
      c.counters.repairRounds++;
      c.counters.lastRepairAtMs = c.clock.now();
      if (!c.backoff.empty) c.backoff.prune(new Set(this.#c.contacts().map((x) => x.id)));
      // Work left over (a capped round, or our own changes to the held set): go again soon.
      if (budget.left <= 0) this.#scheduler.again();
    } catch (error) {
      c.log.warn({ err: String(error) }, "anti-entropy round failed");
    }
  }
}
