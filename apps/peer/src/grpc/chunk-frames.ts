/** Chunk streaming constants shared by the client and server sides. */

/**
 * Bytes per frame of a chunk stream. 64 KiB: HTTP/2's default flow-control window is 64 KiB,
 * so a frame never waits on half a window, and a 1 MiB chunk is 16 messages far below
 * gRPC's 4 MiB message limit.
 */
export const FRAME_BYTES = 64 * 1024;

/** Frames of `bytes`, as views (no copies). An empty chunk is one empty frame. */
export function* frames(bytes: Uint8Array): Generator<Uint8Array> {
  if (bytes.byteLength === 0) yield bytes;
  for (let off = 0; off < bytes.byteLength; off += FRAME_BYTES) yield bytes.subarray(off, off + FRAME_BYTES);
}

/**
 * Collects frames into one buffer of the declared size. Throws (via `fail`) as soon as the
 * frames would overrun it, so a peer cannot make us buffer more than it declared.
 */
export class ChunkAssembler {
  readonly #buffer: Uint8Array;
  #filled = 0;

  constructor(size: number) {
    this.#buffer = new Uint8Array(size);
  }

  /** False when `data` would overrun the declared size. */
  add(data: Uint8Array): boolean {
    if (this.#filled + data.byteLength > this.#buffer.byteLength) return false;
    this.#buffer.set(data, this.#filled);
    this.#filled += data.byteLength;
    return true;
  }

  get complete(): boolean {
    return this.#filled === this.#buffer.byteLength;
  }

  get bytes(): Uint8Array {
    return this.#buffer;
  }
}
