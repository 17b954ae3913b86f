/**
 * A download: fetch a file's chunks with a bounded window from all their holders at once (each
 * chunk from the least busy holder, a second one asked when it is slow: chunk-fetch.ts), verify
 * each against its hash, and re-store the chunk on the holders that lacked it or held it
 * corrupt (in the background, bounded).
 */
import { DhtError } from "../errors.js";
import type { Contact } from "../types.js";
import { fetchChunk, type FetchSession } from "./chunk-fetch.js";
import type { FileContext } from "./file-context.js";
import { DownloadHolders, type HolderScores } from "./holder-scores.js";
import { chunkRange, type FileManifest } from "./manifest.js";
import { storeChunkOn } from "./upload.js";

/** Half-open byte range [start, end) of a file. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Re-stores of missing or corrupt replicas that downloads start, bounded and counted. */
export class ChunkRepairs {
  readonly #c: FileContext;
  #runningLazy: Set<Promise<void>> | undefined;
  /** Created on first use: most nodes of a simulation never need one. */
  get #running(): Set<Promise<void>> {
    return (this.#runningLazy ??= new Set<Promise<void>>());
  }
  #repaired = 0;

  constructor(c: FileContext) {
    this.#c = c;
  }

  /** Replicas re-stored since start. */
  get repaired(): number {
    return this.#repaired;
  }

  /** Re-stores `bytes` on each of `peers` in the background; beyond the bound, anti-entropy will. */
  start(hash: string, bytes: Uint8Array, peers: Contact[]): void {
    for (const peer of peers) {
      if (this.#running.size >= this.#c.options().maxPendingRepairs) return;
      const p: Promise<void> = storeChunkOn(this.#c, peer, hash, bytes, false)
        .then(
          () => {
            this.#repaired++;
            this.#c.log.info({ chunk: hash, peer: peer.id }, "chunk replica repaired");
          },
          (err: unknown) => this.#c.log.debug({ chunk: hash, peer: peer.id, err: String(err) }, "chunk repair failed"),
        )
        .finally(() => this.#running.delete(p));
      this.#running.add(p);
    }
  }

  /** Waits for the repairs running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
  }
}

/**
 * The bytes of `range` of a file, in order, each chunk verified. At most `downloadWindow`
 * chunks are fetched ahead; a consumer that stops pulling stops fetching. Throws UNAVAILABLE
 * when no holder of a chunk has intact bytes, CANCELED when `signal` aborts.
 */
export async function* readFile(c: FileContext, repairs: ChunkRepairs, scores: HolderScores, manifest: FileManifest, range: ByteRange, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  if (range.end <= range.start) return;
  const session: FetchSession = { c, holders: new DownloadHolders(scores, c.options().slowStrikes), repair: (h, b, peers) => repairs.start(h, b, peers), signal };
  const first = Math.floor(range.start / manifest.chunkSize);
  const last = Math.floor((range.end - 1) / manifest.chunkSize);
  const window = new Map<number, Promise<Uint8Array>>();
  let next = first;
  const fill = () => {
    while (next <= last && window.size < c.options().downloadWindow) {
      const i = next++;
      const p = fetchChunk(session, manifest.chunks[i]!, i);
      p.catch(() => {}); // observed when its turn comes; avoid an unhandled rejection meanwhile
      window.set(i, p);
    }
  };
  try {
    for (let i = first; i <= last; i++) {
      if (signal?.aborted) throw DhtError.canceled("download canceled");
      fill();
      const bytes = await window.get(i)!;
      window.delete(i);
      const { start } = chunkRange(manifest, i);
      const from = Math.max(0, range.start - start);
      const to = Math.min(bytes.byteLength, range.end - start);
      yield from === 0 && to === bytes.byteLength ? bytes : bytes.subarray(from, to);
    }
  } finally {
    next = last + 1; // stop scheduling; fetches in flight finish on their own
  }
}
