import { DhtError } from "../errors.js";
import { systemClock } from "../types.js";
import type { Clock, NodeId, Version } from "../types.js";

/** Largest value of the logical counter (a uint32 on the wire). */
const MAX_LOGICAL = 0xffff_ffff;

export interface HybridLogicalClockOptions {
  /** The writer stamped on every version: this peer's ID. */
  self: NodeId;
  /** Physical time source. Default: Date.now. */
  clock?: Clock;
  /**
   * How far ahead of our physical time a remote version may be before we refuse it, in ms.
   * Default 1 hour: honest peers with NTP are within seconds; a clock (or a forged version)
   * further ahead would otherwise drag every later write of ours into the future and make
   * its records unbeatable under last-writer-wins.
   */
  maxDriftMs?: number;
}

/**
 * Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014): versions stay
 * close to wall time yet are strictly increasing here and causally after anything observed,
 * even when the physical clock steps backwards.
 */
export class HybridLogicalClock {
  readonly self: NodeId;
  readonly #clock: Clock;
  #maxDriftMs: number;
  #wallMs = 0;
  #logical = 0;

  constructor(options: HybridLogicalClockOptions) {
    this.self = options.self;
    this.#clock = options.clock ?? systemClock;
    this.#maxDriftMs = options.maxDriftMs ?? 3_600_000;
  }

  /** Changes the accepted drift live (config reload). */
  setMaxDriftMs(ms: number): void {
    this.#maxDriftMs = ms;
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
   * INVALID_ARGUMENT (naming `version.wallMs`) when it is more than maxDriftMs ahead of our
   * physical time; the clock is then left unchanged.
   */
  observe(version: Version): void {
    this.checkDrift(version);
    if (
      version.wallMs > this.#wallMs ||
      (version.wallMs === this.#wallMs && version.logical > this.#logical)
    ) {
      this.#wallMs = version.wallMs;
      this.#logical = version.logical;
    }
  }

  /** Throws DhtError INVALID_ARGUMENT when `version` is further ahead than maxDriftMs. */
  checkDrift(version: Version): void {
    const ahead = version.wallMs - this.#clock.now();
    if (ahead > this.#maxDriftMs) {
      throw new DhtError(
        `version.wallMs: ${version.wallMs} is ${Math.round(ahead)} ms ahead of this peer's clock (max drift ${this.#maxDriftMs} ms)`,
        "invalid_argument",
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
