/**
 * The two content-addressed record types. A chunk lives under `chunk:<sha256 of its bytes>`,
 * a manifest under `file:<sha256 of its canonical bytes>`: the key fixes the value, so a peer
 * verifies every such record against its key before keeping or serving it, and content is
 * never deleted (it is collected locally: the upload lease, hand-off). Their versions are fixed
 * (content-keys.ts), so they never touch the hybrid logical clock.
 */
import type { DhtRecord, RecordStore } from "../types.js";
import type { Transport } from "../rpc/peer-rpc.js";
import type { RecordType, ValuelessUpgrade } from "../records/record-type.js";
import { compareVersions } from "../records/version.js";
import { CHUNK_PREFIX, COMMITTED_CHUNK_VERSION, CONTENT_VERSION, MANIFEST_PREFIX, claimedHash, contentProblem, isPendingChunk } from "./content-keys.js";
import { MAX_COMMIT_HASHES, type ChunkStore, type CorruptionListener } from "./chunk-store.js";
import { decodeManifest } from "./manifest.js";

/** Chunks: kept by the ChunkStore (quota, upload lease), raised from pending to committed without their bytes. */
export function chunkRecords(chunks: ChunkStore, transport: Pick<Transport, "commitChunks">): RecordType {
  return {
    name: "chunk",
    owns: (key) => key.startsWith(CHUNK_PREFIX),
    maxValueBytes: () => chunks.options.maxChunkBytes,
    problem: contentProblem,
    clocked: false,
    keep: (record) => chunks.keepRecord(record),
    read: (key) => chunks.readRecord(key),
    // Pending chunks stay where their upload put them: committed ones are repaired like any record.
    repairable: (entry) => !isPendingChunk(entry),
    removed: (record) => chunks.forget(record),
    upgrade: chunkCommitUpgrade(chunks, transport),
  };
}

/**
 * The upload lease's pending → committed step as a valueless upgrade. A holder of
 * `chunk:<hash>` holds exactly those bytes (verified when stored), so a neighbour that holds a
 * chunk pending while we hold it committed needs a CommitChunks, not the 1 MiB record again;
 * and we raise our own pending copy when a neighbour lists it committed. Same outcome as
 * merging the committed record: committed stays sticky, pending never demotes it.
 */
function chunkCommitUpgrade(chunks: ChunkStore, transport: Pick<Transport, "commitChunks">): ValuelessUpgrade {
  const hashesOf = (keys: readonly string[]) => keys.map((k) => claimedHash(k)!);
  return {
    maxBatch: MAX_COMMIT_HASHES,
    covers: (key, held, next) => key.startsWith(CHUNK_PREFIX) && isPendingChunk({ version: held }) && compareVersions(next, COMMITTED_CHUNK_VERSION) === 0,
    async push(to, keys, opts) {
      const res = await transport.commitChunks(to, hashesOf(keys), opts);
      return res.missing === 0;
    },
    async apply(entries) {
      let raised = 0;
      for (let i = 0; i < entries.length; i += MAX_COMMIT_HASHES) {
        raised += (await chunks.commitChunks(hashesOf(entries.slice(i, i + MAX_COMMIT_HASHES).map((e) => e.key)))).committed;
      }
      return raised;
    },
  };
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
export function manifestRecords(store: RecordStore, maxValueBytes: () => number, onCorrupt: CorruptionListener): RecordType {
  const read = async (key: string): Promise<DhtRecord | undefined> => {
    const record = await store.get(key);
    if (!record) return undefined;
    if (contentProblem(record)) {
      await store.remove(key);
      onCorrupt(key);
      return undefined;
    }
    return record;
  };
  return {
    name: "manifest",
    owns: (key) => key.startsWith(MANIFEST_PREFIX),
    maxValueBytes,
    problem: manifestProblem,
    clocked: false,
    async keep(record) {
      const held = await read(record.key); // a corrupt copy is dropped: this one replaces it
      if (held) return { applied: false, current: held.version };
      return store.merge({ ...record, version: { ...CONTENT_VERSION } });
    },
    read,
  };
}
