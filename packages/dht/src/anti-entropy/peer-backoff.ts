/**
 * Per-neighbour failure handling for anti-entropy: an exponential backoff (in rounds) for a
 * neighbour whose calls fail or whose answers are rejected, failure confirmation by pings (so a
 * crashed peer is evicted, and its records re-replicated, within one round), and the
 * neighbours whose views disagree with ours, skipped until a view changes. Bounded by the
 * routing table: entries of peers no longer in it are pruned every round.
 */
import { errorCode } from "../errors.js";
import type { Clock, Contact, Logger, NodeId, Router } from "../types.js";
import type { Transport } from "../rpc/peer-rpc.js";
import type { AntiEntropyOptions } from "./anti-entropy-options.js";

interface Backoff {
  failures: number;
  untilMs: number;
  /** Backed off for answering nonsense (reject), not for failing to answer. */
  rejected: boolean;
}

/** What backoff needs of anti-entropy: its live settings, and a prompt round after an eviction. */
export interface BackoffHost {
  readonly options: Readonly<AntiEntropyOptions>;
  rpcTimeoutMs(): number;
  /** An eviction changes replica sets: repair promptly. */
  nudge(): void;
}

export interface PeerBackoffComponents {
  router: Router;
  transport: Transport;
  clock: Clock;
  log: Logger;
  host: BackoffHost;
}

export class PeerBackoff {
  readonly #c: PeerBackoffComponents;
  readonly #backoff = new Map<NodeId, Backoff>();
  /** Neighbours whose key lists matched ours but still hashed differently (views disagree):
   * skipped until our view changes, or for maxBackoffRounds intervals at most (theirs may change). */
  readonly #disagree = new Map<NodeId, { stamp: string; untilMs: number }>();

  constructor(components: PeerBackoffComponents) {
    this.#c = components;
  }

  backedOff(id: NodeId): boolean {
    const b = this.#backoff.get(id);
    return b !== undefined && this.#c.clock.now() < b.untilMs;
  }

  /** True while `id`'s view was found to disagree with ours as of view `stamp`. */
  disagrees(id: NodeId, stamp: string): boolean {
    const d = this.#disagree.get(id);
    return d?.stamp === stamp && this.#c.clock.now() < d.untilMs;
  }

  /** Skip `id` until our view (`stamp`) changes, or for maxBackoffRounds intervals at most. */
  markDisagreement(id: NodeId, stamp: string): void {
    const o = this.#c.host.options;
    this.#disagree.set(id, { stamp, untilMs: this.#c.clock.now() + o.maxBackoffRounds * o.repairIntervalMs });
  }

  succeeded(c: Contact): void {
    this.#c.router.reportSuccess(c);
    this.#backoff.delete(c.id);
  }

  /** Reports the failure; for a neighbour's digest call (`confirm`), pings it to confirm a crash at once. */
  async failed(c: Contact, error: unknown, confirm: boolean): Promise<void> {
    // Only the first failure of a peer is confirmed by pings; later ones find it backed off.
    confirm &&= !this.backedOff(c.id);
    this.#c.router.reportFailure(c, error);
    this.#c.log.debug({ peer: c.id, error: errorCode(error) }, "anti-entropy call failed");
    if (confirm) {
      for (let i = 0; i < this.#c.host.options.failurePings; i++) {
        try {
          await this.#c.transport.ping(c, { timeoutMs: this.#c.host.rpcTimeoutMs() });
          this.#c.router.reportSuccess(c);
          break;
        } catch (err) {
          this.#c.router.reportFailure(c, err);
        }
      }
    }
    this.#lengthen(c.id);
    this.#c.host.nudge();
  }

  /** A neighbour answered nonsense: back off from it as from a failure (no pings: it is alive). */
  reject(n: Contact, why: string): undefined {
    this.#c.log.warn({ peer: n.id, why }, "rejected anti-entropy data from a peer");
    this.#lengthen(n.id).rejected = true;
    return undefined;
  }

  /**
   * `id` was heard from directly: a backoff for not answering ends now (one for answering
   * nonsense stays: being alive says nothing about its data). True when one ended.
   */
  forgive(id: NodeId): boolean {
    const b = this.#backoff.get(id);
    if (!b || b.rejected || this.#c.clock.now() >= b.untilMs) return false;
    this.#backoff.delete(id);
    return true;
  }

  /** Forgets peers no longer in the routing table, so the maps stay bounded by it. */
  prune(known: ReadonlySet<NodeId>): void {
    for (const id of this.#backoff.keys()) if (!known.has(id)) this.#backoff.delete(id);
    for (const id of this.#disagree.keys()) if (!known.has(id)) this.#disagree.delete(id);
  }

  get empty(): boolean {
    return this.#backoff.size === 0 && this.#disagree.size === 0;
  }

  #lengthen(id: NodeId): Backoff {
    const o = this.#c.host.options;
    const b = this.#backoff.get(id) ?? { failures: 0, untilMs: 0, rejected: false };
    b.failures++;
    b.untilMs = this.#c.clock.now() + Math.min(2 ** (b.failures - 1), o.maxBackoffRounds) * o.repairIntervalMs;
    this.#backoff.set(id, b);
    return b;
  }
}
