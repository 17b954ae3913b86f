import { DhtError } from "../errors.js";
import { systemClock } from "../types.js";
import type { Clock, NodeId, Version } from "../types.js";

/** Default max clock offset between peers, ms (see HybridLogicalClockOptions.maxOffsetMs). */
export const DEFAULT_MAX_CLOCK_OFFSET_MS = 1000;

/** How a refusal for clock offset ends, so a coordinator can tell it from other refusals. */
export const CLOCK_OFFSET_HINT = "the writer's clock is fast or this peer's is slow";

/** Checks a max clock offset setting; throws DhtError INVALID_ARGUMENT naming `field`. */
export function validateMaxClockOffset(ms: unknown, field = "maxClockOffsetMs"): number {
  if (typeof ms !== "number" || !Number.isSafeInteger(ms) || ms < 1 || ms > 3_600_000) {
    throw new DhtError(`${field}: must be an integer from 1 to 3600000 ms, got ${String(ms)}`, "invalid_argument");
  }
  return ms;
}

/** Largest value of the logical counter (a uint32 on the wire). */
const MAX_LOGICAL = 0xffff_ffff;

export interface HybridLogicalClockOptions {
  /** The writer stamped on every version: this peer's ID. */
  self: NodeId;
  /** Physical time source. Default: Date.now. */
  clock?: Clock;
  /**
   * The max clock offset: how far ahead of our physical time a remote version may be before we
   * refuse it, in ms (CockroachDB's --max-offset). Default 1000: peers running NTP agree within
   * milliseconds. A clock (or a forged version) further ahead would drag every later write of
   * ours into the future and make its records unbeatable under last-writer-wins; a peer whose
   * clock is that far off is fenced instead: its writes are refused until its clock agrees.
   */
  maxOffsetMs?: number;
}

/**
 * Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014): versions stay
 * close to wall time yet are strictly increasing here and causally after anything observed,
 * even when the physical clock steps backwards.
 */
export class HybridLogicalClock {
  readonly self: NodeId;
  readonly #clock: Clock;
  #maxOffsetMs: number;
  #wallMs = 0;
  #logical = 0;

  constructor(options: HybridLogicalClockOptions) {
    this.self = options.self;
    this.#clock = options.clock ?? systemClock;
    this.#maxOffsetMs = validateMaxClockOffset(options.maxOffsetMs ?? DEFAULT_MAX_CLOCK_OFFSET_MS);
  }

  /** The max clock offset in force, ms. */
  get maxOffsetMs(): number {
    return this.#maxOffsetMs;
  }

  /** Changes the max clock offset live (config reload). */
  setMaxOffsetMs(ms: number): void {
    this.#maxOffsetMs = validateMaxClockOffset(ms);
  }

  /** A version for a local write: strictly greater than every version returned or observed before. */
  now(): Version {
    const physical = Math.floor(this.#clock.now());
    if (physical > this.#wallMs) {
      this.#wallMs = physical;
      this.#logical = 0;
    } else {
      this.#tick();
    }
    return { wallMs: this.#wallMs, logical: this.#logical, writer: this.self };
  }

  /**
   * Merges a remote version so that our next write is newer than it. Throws DhtError
   * FAILED_PRECONDITION (naming `version.wallMs`) when it is more than the max clock offset
   * ahead of our physical time; the clock is then left unchanged.
   */
  observe(version: Version): void {
    this.checkOffset(version);
    if (
      version.wallMs > this.#wallMs ||
      (version.wallMs === this.#wallMs && version.logical > this.#logical)
    ) {
      this.#wallMs = version.wallMs;
      this.#logical = version.logical;
    }
  }

  /** Throws DhtError FAILED_PRECONDITION when `version` is further ahead than the max clock offset. */
  checkOffset(version: Version): void {
    const ahead = version.wallMs - this.#clock.now();
    if (ahead > this.#maxOffsetMs) {
      throw new DhtError(
        `version.wallMs: ${version.wallMs} is ${Math.round(ahead)} ms ahead of this peer's clock (max clock offset ${this.#maxOffsetMs} ms): ${CLOCK_OFFSET_HINT}`,
        "failed_precondition",
      );
    }
  }

  #tick(): void {
    // The counter is a uint32 on the wire: on overflow borrow a millisecond instead.
    if (this.#logical === MAX_LOGICAL) {
      this.#wallMs += 1;
      this.#logical = 0;
    } else {
      this.#logical += 1;
    }
  }
}
