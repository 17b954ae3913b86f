/**
 * Cuts a byte stream into fixed-size chunks. Fixed-size (not content-defined) chunking: the
 * network deduplicates whole files by their manifest and identical chunks at the same offsets;
 * sub-file dedup of shifted content (CDC) would cost a rolling hash per byte for a gain our
 * workloads (photos, archives, media) rarely see.
 */
import { DhtError } from "../errors.js";

/**
 * Yields chunks of exactly `chunkSize` bytes (the last one shorter, none for an empty
 * stream). Holds at most one chunk in memory; throws RESOURCE_EXHAUSTED as soon as the stream
 * passes `maxBytes`, without reading further.
 */
export async function* chunkStream(
  source: AsyncIterable<Uint8Array>,
  chunkSize: number,
  maxBytes: number = Number.MAX_SAFE_INTEGER,
): AsyncGenerator<Uint8Array> {
  let buffer = new Uint8Array(chunkSize);
  let filled = 0;
  let total = 0;
  for await (const piece of source) {
    total += piece.byteLength;
    if (total > maxBytes) throw new DhtError(`file: more than the limit of ${maxBytes} bytes`, "resource_exhausted");
    let offset = 0;
    while (offset < piece.byteLength) {
      const n = Math.min(chunkSize - filled, piece.byteLength - offset);
      buffer.set(piece.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === chunkSize) {
        yield buffer;
        // A fresh buffer: the consumer may still hold the previous one (uploads in flight).
        buffer = new Uint8Array(chunkSize);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}
