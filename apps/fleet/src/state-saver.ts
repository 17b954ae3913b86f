/**
 * Saves fleet.json after every change, coalescing bursts: a save runs while changes keep
 * coming, never two at once, and `flushed()` waits until the file reflects every change so far.
 * A failed write is logged and retried with the next change (the previous file stays whole).
 */
import type { Logger } from "pino";
import { saveFleetState, type FleetState } from "./state-file.js";

export class StateSaver {
  readonly #dir: string;
  readonly #snapshot: () => FleetState;
  readonly #log: Logger | undefined;
  #dirty = false;
  #saving: Promise<void> | undefined;

  constructor(dir: string, snapshot: () => FleetState, log?: Logger) {
    this.#dir = dir;
    this.#snapshot = snapshot;
    this.#log = log;
  }

  /** Schedules a save; writes are coalesced and never overlap. */
  save(): void {
    this.#dirty = true;
    this.#saving ??= this.#flush();
  }

  /** Resolves when fleet.json reflects every change so far. */
  async flushed(): Promise<void> {
    while (this.#saving) await this.#saving;
  }

  async #flush(): Promise<void> {
    while (this.#dirty) {
      this.#dirty = false;
      try {
        await saveFleetState(this.#dir, this.#snapshot());
      } catch (err) {
        this.#log?.error({ err: (err as Error).message }, "could not save fleet state");
      }
    }
    this.#saving = undefined;
  }
}
