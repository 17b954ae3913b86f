/**
 * The upload lease's pending → committed step as a valueless anti-entropy upgrade. A holder
 * of `chunk:<hash>` holds exactly those bytes (verified when stored), so a neighbour that
 * holds a chunk pending while we hold it committed needs a CommitChunks, not the 1 MiB record
 * again; and we raise our own pending copy when a neighbour lists it committed. Same outcome
 * as merging the committed record: committed stays sticky, pending never demotes it.
 */
import type { Contact, RecordSummary, Version } from "../types.js";
import type { ValuelessUpgrades } from "../replication/valueless-upgrade.js";
import { compareVersions } from "../replication/version.js";
import type { ChunkTransport } from "./chunk-transport.js";
import { CHUNK_PREFIX, COMMITTED_CHUNK_VERSION, claimedHash, isPendingChunk } from "./content-keys.js";
import { MAX_COMMIT_HASHES, type ContentStore } from "./content-store.js";

/**
 * Upgrades for chunk records: pending → committed through `chunks.commitChunks` (remote) and
 * `content.commitChunks` (own copies). Plug into `AntiEntropy.useValuelessUpgrades`.
 */
export function chunkCommitUpgrades(content: ContentStore, chunks: Pick<ChunkTransport, "commitChunks">): ValuelessUpgrades {
  const hashesOf = (keys: readonly string[]) => keys.map((k) => claimedHash(k)!);
  return {
    maxBatch: MAX_COMMIT_HASHES,
    covers(key: string, held: Version, next: Version): boolean {
      return key.startsWith(CHUNK_PREFIX) && isPendingChunk({ version: held }) && compareVersions(next, COMMITTED_CHUNK_VERSION) === 0;
    },
    async push(to: Contact, keys: string[], opts): Promise<boolean> {
      const res = await chunks.commitChunks(to, hashesOf(keys), opts);
      return res.missing === 0;
    },
    async apply(entries: readonly RecordSummary[]): Promise<number> {
      let raised = 0;
      for (let i = 0; i < entries.length; i += MAX_COMMIT_HASHES) {
        raised += (await content.commitChunks(hashesOf(entries.slice(i, i + MAX_COMMIT_HASHES).map((e) => e.key)))).committed;
      }
      return raised;
    },
  };
}
