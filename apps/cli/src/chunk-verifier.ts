/**
 * Checks a chunk's bytes against the manifest's SHA-256 as they arrive, and re-checks the
 * chunks a sidecar claims before a download resumes: the sidecar is a hint, the hash decides.
 */
import { createHash, type Hash } from "node:crypto";
import { open } from "node:fs/promises";
import { Bitfield } from "./bitfield.js";
import { corruptError } from "./errors.js";
import { chunkSpan, type Manifest } from "./manifest.js";

/** The running check of one chunk: feed its bytes in order, then `finish`. */
export class ChunkCheck {
  readonly #hash: Hash = createHash("sha256");
  readonly #length: number;
  #filled = 0;

  constructor(
    private readonly manifest: Manifest,
    readonly index: number,
  ) {
    const { start, end } = chunkSpan(manifest, index);
    this.#length = end - start;
  }

  /** Throws an exit-code-6 error on bytes past the chunk's end (the peer sent too much). */
  update(bytes: Uint8Array): void {
    if (this.#filled + bytes.byteLength > this.#length) throw corruptError(`chunk ${this.index}: the peer sent more than its ${this.#length} bytes`);
    this.#hash.update(bytes);
    this.#filled += bytes.byteLength;
  }

  /** Throws an exit-code-6 error when the chunk is short or its SHA-256 is not the manifest's. */
  finish(): void {
    if (this.#filled !== this.#length) throw corruptError(`chunk ${this.index}: the stream ended after ${this.#filled} of ${this.#length} bytes`);
    const got = this.#hash.digest("hex");
    const want = this.manifest.chunks[this.index]!;
    if (got !== want) throw corruptError(`chunk ${this.index}: SHA-256 ${got.slice(0, 12)}… does not match the manifest's ${want.slice(0, 12)}…`);
  }
}

const READ_PIECE = 1 << 20;

/**
 * Which of the chunks marked in `claimed` still match the manifest in the file at `path`,
 * each read at its own offset and hashed again. A short read or a mismatch unmarks the chunk.
 */
export async function recheckChunks(path: string, manifest: Manifest, claimed: Bitfield): Promise<Bitfield> {
  const good = Bitfield.empty(claimed.length);
  const marked = claimed.indexes();
  if (marked.length === 0) return good;
  const fh = await open(path, "r");
  const buf = Buffer.allocUnsafe(Math.min(READ_PIECE, manifest.chunkSize));
  try {
    for (const i of marked) {
      const { start, end } = chunkSpan(manifest, i);
      const check = new ChunkCheck(manifest, i);
      try {
        for (let pos = start; pos < end; ) {
          const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos), pos);
          if (bytesRead === 0) break; // short file: finish() reports it
          check.update(buf.subarray(0, bytesRead));
          pos += bytesRead;
        }
        check.finish();
        good.set(i);
      } catch {
        // this chunk is fetched again; the others stand on their own hashes
      }
    }
  } finally {
    await fh.close();
  }
  return good;
}
