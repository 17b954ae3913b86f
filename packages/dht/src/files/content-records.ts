/**
 * The two content-addressed record types. A chunk lives under `chunk:<sha256 of its bytes>`,
 * a manifest under `file:<sha256 of its canonical bytes>`: the key fixes the value, so a peer
 * verifies every such record against its key before keeping or serving it, and content is
 * never deleted (it is collected locally: the upload lease, hand-off). Their versions are fixed
 * (content-keys.ts), so they never touch the hybrid logical clock.
 */
import type { CallOptions, Contact, DhtRecord, RecordStore, RecordSummary, StoreResult, Version } from "../types.js";
import type { Transport } from "../rpc/peer-rpc.js";
import type { RecordType, ValuelessUpgrade } from "../records/record-type.js";
import { compareVersions } from "../records/version.js";
import { CHUNK_PREFIX, COMMITTED_CHUNK_VERSION, CONTENT_VERSION, MANIFEST_PREFIX, claimedHash, contentProblem, isPendingChunk } from "./content-keys.js";
import { MAX_COMMIT_HASHES, type ChunkStore, type CorruptionListener } from "./chunk-store.js";
import { decodeManifest } from "./manifest.js";
import type { RecordQuota } from "../records/record-quota.js";

/** Chunks: kept by the ChunkStore (quota, upload lease), raised from pending to committed without their bytes. */
class ChunkRecords implements RecordType {
  readonly name = "chunk";
  readonly clocked = false;
  readonly upgrade: ValuelessUpgrade;
  readonly #chunks: ChunkStore;

  constructor(chunks: ChunkStore, transport: Pick<Transport, "commitChunks">) {
    this.#chunks = chunks;
    this.upgrade = new ChunkCommitUpgrade(chunks, transport);
  }

  owns(key: string): boolean {
    return key.startsWith(CHUNK_PREFIX);
  }
  maxValueBytes(): number {
    return this.#chunks.options.maxChunkBytes;
  }
  problem(record: DhtRecord): string | undefined {
    return contentProblem(record);
  }
  keep(record: DhtRecord): Promise<StoreResult> {
    return this.#chunks.keepRecord(record);
  }
  read(key: string): Promise<DhtRecord | undefined> {
    return this.#chunks.readRecord(key);
  }
  /** Pending chunks stay where their upload put them: committed ones are repaired like any record. */
  repairable(entry: { version: Version }): boolean {
    return !isPendingChunk(entry);
  }
  removed(record: DhtRecord): void {
    this.#chunks.forget(record);
  }
}

export function chunkRecords(chunks: ChunkStore, transport: Pick<Transport, "commitChunks">): RecordType {
  return new ChunkRecords(chunks, transport);
}

/**
 * The upload lease's pending → committed step as a valueless upgrade. A holder of
 * `chunk:<hash>` holds exactly those bytes (verified when stored), so a neighbour that holds a
 * chunk pending while we hold it committed needs a CommitChunks, not the 1 MiB record again;
 * and we raise our own pending copy when a neighbour lists it committed. Same outcome as
 * merging the committed record: committed stays sticky, pending never demotes it.
 */
class ChunkCommitUpgrade implements ValuelessUpgrade {
  readonly maxBatch = MAX_COMMIT_HASHES;
  readonly #chunks: ChunkStore;
  readonly #transport: Pick<Transport, "commitChunks">;

  constructor(chunks: ChunkStore, transport: Pick<Transport, "commitChunks">) {
    this.#chunks = chunks;
    this.#transport = transport;
  }

  covers(key: string, held: Version, next: Version): boolean {
    return key.startsWith(CHUNK_PREFIX) && isPendingChunk({ version: held }) && compareVersions(next, COMMITTED_CHUNK_VERSION) === 0;
  }

  async push(to: Contact, keys: string[], opts: CallOptions): Promise<boolean> {
    const res = await this.#transport.commitChunks(to, hashesOf(keys), opts);
    return res.missing === 0;
  }

  async apply(entries: readonly RecordSummary[]): Promise<number> {
    let raised = 0;
    for (let i = 0; i < entries.length; i += MAX_COMMIT_HASHES) {
      raised += (await this.#chunks.commitChunks(hashesOf(entries.slice(i, i + MAX_COMMIT_HASHES).map((e) => e.key)))).committed;
    }
    return raised;
  }
}

function hashesOf(keys: readonly string[]): string[] {
  return keys.map((k) => claimedHash(k)!);
}

/** Why a record under `file:` is no manifest: its hash, or bytes that are not a valid manifest. */
function manifestProblem(record: DhtRecord): string | undefined {
  const problem = contentProblem(record);
  if (problem) return problem;
  try {
    decodeManifest(record.value); // a manifest must be one, not just any bytes under its hash
    return undefined;
  } catch (err) {
    return `${record.key}: ${(err as Error).message}`;
  }
}

/** File manifests: verified, stored once under the fixed content version, never deleted. */
class ManifestRecords implements RecordType {
  readonly name = "manifest";
  readonly clocked = false;
  readonly #store: RecordStore;
  readonly #maxValueBytes: () => number;
  readonly #onCorrupt: CorruptionListener;
  readonly #quota: RecordQuota | undefined;

  /** `quota`: manifests count against the records' disk quota (plain values share it). */
  constructor(store: RecordStore, maxValueBytes: () => number, onCorrupt: CorruptionListener, quota?: RecordQuota) {
    this.#store = store;
    this.#maxValueBytes = maxValueBytes;
    this.#onCorrupt = onCorrupt;
    this.#quota = quota;
  }

  owns(key: string): boolean {
    return key.startsWith(MANIFEST_PREFIX);
  }
  maxValueBytes(): number {
    return this.#maxValueBytes();
  }
  problem(record: DhtRecord): string | undefined {
    return manifestProblem(record);
  }
  async keep(record: DhtRecord): Promise<StoreResult> {
    const held = await this.read(record.key); // a corrupt copy is dropped: this one replaces it
    if (held) return { applied: false, current: held.version };
    const fixed = { ...record, version: { ...CONTENT_VERSION } };
    return this.#quota ? this.#quota.keep(fixed, (r) => this.#store.merge(r)) : this.#store.merge(fixed);
  }
  removed(record: DhtRecord): void {
    this.#quota?.removed(record);
  }
  async read(key: string): Promise<DhtRecord | undefined> {
    const record = await this.#store.get(key);
    if (!record) return undefined;
    if (contentProblem(record)) {
      await this.#store.remove(key);
      this.#quota?.removed(record);
      this.#onCorrupt(key);
      return undefined;
    }
    return record;
  }
}

export function manifestRecords(store: RecordStore, maxValueBytes: () => number, onCorrupt: CorruptionListener, quota?: RecordQuota): RecordType {
  return new ManifestRecords(store, maxValueBytes, onCorrupt, quota);
}
