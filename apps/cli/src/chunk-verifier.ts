/**
 * Checks downloaded bytes chunk by chunk against the manifest's SHA-256 list as they arrive,
 * and re-checks the verified prefix of a `.part` file before a download resumes.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { corruptError } from "./errors.js";
import type { Manifest } from "./manifest.js";

/** Feeds bytes in file order from `startChunk`; calls `onChunk` after each chunk that matched. */
export class ChunkVerifier {
  #index: number;
  #filled = 0;
  #hash: Hash = createHash("sha256");

  constructor(
    private readonly manifest: Manifest,
    startChunk: number,
    private readonly onChunk: (verifiedChunks: number) => Promise<void>,
  ) {
    this.#index = startChunk;
  }

  /** Chunks verified so far (including those before startChunk). */
  get verifiedChunks(): number {
    return this.#index;
  }

  #chunkLength(i: number): number {
    return Math.min(this.manifest.chunkSize, this.manifest.size - i * this.manifest.chunkSize);
  }

  /** Throws an exit-code-6 error on the first chunk whose hash differs, or on bytes past the end. */
  async push(bytes: Uint8Array): Promise<void> {
    let o = 0;
    while (o < bytes.byteLength) {
      if (this.#index >= this.manifest.chunks.length) throw corruptError(`received more than the ${this.manifest.size} bytes of the file`);
      const take = Math.min(bytes.byteLength - o, this.#chunkLength(this.#index) - this.#filled);
      this.#hash.update(bytes.subarray(o, o + take));
      this.#filled += take;
      o += take;
      if (this.#filled === this.#chunkLength(this.#index)) {
        const got = this.#hash.digest("hex");
        if (got !== this.manifest.chunks[this.#index]) throw corruptError(`chunk ${this.#index}: SHA-256 ${got.slice(0, 12)}… does not match the manifest's ${this.manifest.chunks[this.#index]!.slice(0, 12)}…`);
        this.#index++;
        this.#filled = 0;
        this.#hash = createHash("sha256");
        await this.onChunk(this.#index);
      }
    }
  }

  /** True when every chunk arrived and matched. */
  get complete(): boolean {
    return this.#index === this.manifest.chunks.length && this.#filled === 0;
  }
}

/**
 * How many of the first `chunks` chunks of the file at `path` match the manifest, reading
 * them in order and stopping at the first mismatch.
 */
export async function verifiedPrefix(path: string, manifest: Manifest, chunks: number): Promise<number> {
  if (chunks === 0) return 0;
  const end = Math.min(manifest.size, chunks * manifest.chunkSize);
  let good = 0;
  const verifier = new ChunkVerifier(manifest, 0, async (n) => {
    good = n;
  });
  try {
    for await (const piece of createReadStream(path, { start: 0, end: end - 1, highWaterMark: 1 << 20 })) {
      await verifier.push(piece as Buffer);
    }
  } catch {
    // a mismatch or a short read: what matched so far stands
  }
  return good;
}
