/** Chunk hashing that the chunk store can trust without hashing the same buffer twice. */
import { sha256Hex } from "../kademlia/node-id.js";

/**
 * Chunk buffers hashed in this process by `hashChunk`, so that storing one of them here does
 * not hash its megabyte again (the uploader keeps a third of an upload's chunks itself). Weak:
 * an entry lives as long as its buffer. Bytes from the network or the disk never get here.
 */
const hashedHere = new WeakMap<Uint8Array, string>();

/**
 * SHA-256 of a chunk, remembered for `ChunkStore.putChunk` on this same buffer. The caller
 * must not modify `bytes` afterwards (the uploader's chunk buffers are fresh and read-only).
 */
export function hashChunk(bytes: Uint8Array): string {
  const hash = sha256Hex(bytes);
  hashedHere.set(bytes, hash);
  return hash;
}

/** The hash `hashChunk` computed for this very buffer, if it did. */
export function hashedAs(bytes: Uint8Array): string | undefined {
  return hashedHere.get(bytes);
}
