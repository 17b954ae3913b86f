/**
 * Saves a download's sidecar often enough that a kill loses little, rarely enough that a
 * download of many small chunks does not spend its time renaming files: at most one write per
 * `intervalMs`, the last change always written by `flush()`. Writes never overlap (they share
 * one temp file) and each writes a snapshot, so a chunk marked mid-write waits for the next.
 */
import type { Bitfield } from "./bitfield.js";

export class StateSaver {
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #lastWrite = -Infinity;
  #writing: Promise<void> = Promise.resolve();
  #failure: unknown;

  constructor(
    private readonly verified: Bitfield,
    private readonly write: (snapshot: Bitfield) => Promise<void>,
    private readonly intervalMs = 500,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Call after marking a chunk: schedules a write within `intervalMs`. */
  changed(): void {
    this.#dirty = true;
    if (this.#timer) return;
    const wait = Math.max(0, this.#lastWrite + this.intervalMs - this.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch((err: unknown) => (this.#failure ??= err));
    }, wait);
  }

  /** Writes any change now (after the write in progress); throws a failed earlier write's error. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#dirty) {
      this.#dirty = false;
      const snapshot = this.verified.clone();
      this.#writing = this.#writing.then(() => {
        this.#lastWrite = this.now();
        return this.write(snapshot);
      });
    }
    return this.#writing;
  }

  /** The download is complete: drops pending changes and waits out a write in progress, so a sidecar removed next stays removed. */
  async discard(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dirty = false;
    await this.#writing.catch(() => {});
  }
}
