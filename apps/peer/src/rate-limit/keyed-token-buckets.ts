/**
 * Token buckets per client key (an IP address, a /64, later a peer ID), for the public API's
 * and the peer protocol's rate limits. A bucket holds up to `burst` tokens and refills at
 * `ratePerSecond`; every request takes one, and an empty bucket answers how long until the
 * next token.
 *
 * The table of buckets is bounded, because its keys come from the network: an attacker who
 * rotates source addresses (an IPv6 /48 has 2^80 of them) must not grow it without bound.
 * - A bucket idle long enough to have refilled is dropped: it holds no state a new full bucket
 *   would not (`idleMs` = burst / rate), so dropping it changes no answer.
 * - At most `maxKeys` buckets are kept. A key arriving when the table is full (after dropping
 *   the idle ones) is charged to one shared overflow bucket instead, with one client's rate and
 *   burst: addresses beyond the cap together get one client's share, so rotating addresses
 *   buys no more than that, and the clients already known keep theirs.
 *
 * lru-cache (isaacs) keeps the table: its TTL bookkeeping with age reset on use is the idle
 * rule, and its `max` is a hard bound should the cap check below ever be bypassed. The bucket
 * arithmetic is three lines, kept here rather than taken from rate-limiter-flexible, whose
 * memory limiter is a fixed window (up to twice the rate across a window edge, and a burst needs
 * a second limiter per key), reads Date.now() itself and exposes no count of its keys.
 */
import { LRUCache } from "lru-cache";

export interface RateLimits {
  /** Tokens added per second; 0 turns the limit off. */
  ratePerSecond: number;
  /** Bucket size: requests that may arrive at once after a quiet spell. At least 1. */
  burst: number;
}

/** The bucket a refused request was charged to. */
export type RateBucket = "client" | "overflow";

export type RateDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      /** Until the bucket holds a whole token again, ms (> 0). */
      readonly retryAfterMs: number;
      readonly bucket: RateBucket;
      /** The rate in force, for messages. */
      readonly ratePerSecond: number;
    };

export interface KeyedTokenBucketsOptions {
  /** Buckets kept at most; keys beyond share the overflow bucket. */
  maxKeys: number;
  /** A key was charged to the overflow bucket because the table was full (for a metric). */
  onOverflow?: () => void;
  /** Monotonic milliseconds. Default performance.now (tests pass a fake clock). */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

const ALLOWED: RateDecision = { allowed: true };

/** Idle buckets are looked for at most this often, ms: one pass over at most maxKeys entries. */
const SWEEP_INTERVAL_MS = 1000;

export class KeyedTokenBuckets {
  readonly #buckets: LRUCache<string, Bucket>;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #onOverflow: () => void;
  #limits: RateLimits;
  #overflow: Bucket;
  #lastSweepMs: number;

  constructor(limits: RateLimits, opts: KeyedTokenBucketsOptions) {
    if (!Number.isInteger(opts.maxKeys) || opts.maxKeys < 1) throw new RangeError(`maxKeys: expected an integer ≥ 1, got ${opts.maxKeys}`);
    checkLimits(limits);
    this.#limits = { ...limits };
    this.#maxKeys = opts.maxKeys;
    this.#now = opts.now ?? (() => performance.now());
    this.#onOverflow = opts.onOverflow ?? (() => {});
    // ttlResolution 0: read the clock on every check instead of caching it for 1 ms behind a
    // timer (cheap with performance.now, and exact with a fake clock).
    this.#buckets = new LRUCache<string, Bucket>({ max: opts.maxKeys, ttl: idleMs(limits), updateAgeOnGet: true, ttlResolution: 0, perf: { now: this.#now } });
    this.#overflow = { tokens: limits.burst, atMs: this.#now() };
    this.#lastSweepMs = this.#now();
  }

  /** The limits in force. */
  get limits(): Readonly<RateLimits> {
    return this.#limits;
  }

  /** False when the rate is 0: every request is allowed and nothing is tracked. */
  get enabled(): boolean {
    return this.#limits.ratePerSecond > 0;
  }

  /** Buckets held now (idle ones not yet dropped included). */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Changes the rate and burst (a reloaded config file). Buckets keep their tokens, capped to
   * the new burst; turning the limit off forgets them.
   */
  setLimits(limits: RateLimits): void {
    checkLimits(limits);
    this.#limits = { ...limits };
    if (!this.enabled) this.#buckets.clear();
  }

  /** Takes one token from `key`'s bucket (or the overflow bucket), or says how long to wait. */
  take(key: string): RateDecision {
    const { ratePerSecond, burst } = this.#limits;
    if (ratePerSecond <= 0) return ALLOWED;
    const now = this.#now();
    if (now - this.#lastSweepMs >= SWEEP_INTERVAL_MS) {
      this.#lastSweepMs = now;
      this.#buckets.purgeStale();
    }
    let bucket = this.#buckets.get(key);
    let kind: RateBucket = "client";
    if (bucket === undefined) {
      if (this.#buckets.size < this.#maxKeys) {
        bucket = { tokens: burst, atMs: now };
        // Each entry keeps the idle time of the limits it was made under: after a live change
        // to a slower rate, an older bucket may be dropped a little before it is full, which
        // only ever errs towards the client.
        this.#buckets.set(key, bucket, { ttl: idleMs(this.#limits) });
      } else {
        bucket = this.#overflow;
        kind = "overflow";
        this.#onOverflow();
      }
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.atMs) * ratePerSecond) / 1000);
    bucket.atMs = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return ALLOWED;
    }
    return { allowed: false, retryAfterMs: ((1 - bucket.tokens) * 1000) / ratePerSecond, bucket: kind, ratePerSecond };
  }
}

/** How long an untouched bucket takes to refill completely, ms (at least 1 s). */
function idleMs({ ratePerSecond, burst }: RateLimits): number {
  return ratePerSecond > 0 ? Math.max(1000, Math.ceil((burst * 1000) / ratePerSecond)) : 1000;
}

function checkLimits({ ratePerSecond, burst }: RateLimits): void {
  if (!Number.isFinite(ratePerSecond) || ratePerSecond < 0) throw new RangeError(`ratePerSecond: expected a number ≥ 0, got ${ratePerSecond}`);
  if (!Number.isFinite(burst) || burst < 1) throw new RangeError(`burst: expected a number ≥ 1, got ${burst}`);
}
