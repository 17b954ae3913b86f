/**
 * What a peer remembers of the deletes it has collected. A tombstone is removed only once its
 * grace period is over and every replica has shown it holds the tombstone; what stays is one
 * small entry, the key's position (its SHA-256) and the delete's version. It answers for the
 * delete from then on: a Store or an anti-entropy pull of an older version of the key is
 * refused, and a read of the key answers a tombstone of that version. So a peer that comes back
 * after the grace with the value the delete removed cannot bring it back, through anti-entropy,
 * a read or a read repair: every version it holds is older than the delete.
 *
 * Bounded: at most `max` entries, the oldest forgotten first (counted). A peer away longer than
 * it takes to forget a delete can still bring that value back; the bound makes that window
 * explicit instead of letting tombstones grow without limit.
 */
import type { Version, WriterProof } from "../types.js";
import { compareVersions } from "./version.js";

/** Where collected deletes persist across restarts (the peer's database); absent in memory-only nodes. */
export interface DeleteLog {
  /** Every remembered delete, oldest first, with its writer proof when it had one. */
  load(): Promise<Iterable<readonly [position: string, version: Version, proof?: WriterProof]>>;
  add(position: string, version: Version, proof?: WriterProof): Promise<void>;
  remove(position: string): Promise<void>;
}

/** A collected delete: its version, and its writer's proof, so the tombstone it answers with still verifies elsewhere. */
interface Entry {
  version: Version;
  proof?: WriterProof;
}

export const DEFAULT_MAX_COLLECTED_DELETES = 100_000;

export class CollectedDeletes {
  readonly #byPosition = new Map<string, Entry>();
  readonly #log: DeleteLog | undefined;
  #max: number;
  #loaded: Promise<void> | undefined;
  #ready = false;
  /** Entries forgotten to stay within the bound. */
  evicted = 0;

  constructor(max = DEFAULT_MAX_COLLECTED_DELETES, log?: DeleteLog) {
    this.#max = max;
    this.#log = log;
  }

  get size(): number {
    return this.#byPosition.size;
  }

  set max(max: number) {
    this.#max = max;
  }

  /** Whether the persisted entries have been read (then load() need not be awaited). */
  get ready(): boolean {
    return this.#ready || !this.#log;
  }

  /** Reads the persisted entries once (every caller waits for the same load). */
  load(): Promise<void> {
    return (this.#loaded ??= (async () => {
      if (!this.#log) return;
      for (const [position, version, proof] of await this.#log.load()) this.#byPosition.set(position, proof ? { version, proof } : { version });
      this.#ready = true;
    })());
  }

  /** The version of the collected delete of the key at `position`, if remembered. */
  version(position: string): Version | undefined {
    return this.#byPosition.get(position)?.version;
  }

  /** The collected delete of the key at `position` (version and proof), if remembered. */
  entry(position: string): Readonly<Entry> | undefined {
    return this.#byPosition.get(position);
  }

  /** Whether a record of `version` at `position` is older than (or is) a collected delete. */
  covers(position: string, version: Version): Version | undefined {
    const deleted = this.#byPosition.get(position)?.version;
    return deleted !== undefined && compareVersions(deleted, version) >= 0 ? deleted : undefined;
  }

  /** Remembers a collected delete (persisted before it resolves), forgetting the oldest beyond the bound. */
  async remember(position: string, version: Version, proof?: WriterProof): Promise<void> {
    const held = this.#byPosition.get(position);
    if (held && compareVersions(held.version, version) >= 0) return;
    await this.#log?.add(position, version, proof);
    this.#byPosition.delete(position);
    this.#byPosition.set(position, proof ? { version, proof } : { version });
    while (this.#byPosition.size > this.#max) {
      const oldest = this.#byPosition.keys().next().value!;
      this.#byPosition.delete(oldest);
      this.evicted++;
      await this.#log?.remove(oldest);
    }
  }
}
