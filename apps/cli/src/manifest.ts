/**
 * A file manifest as plain data, and the check that it is the one its ID names: the ID is the
 * SHA-256 of the manifest's canonical JSON (the core's `fileIdOf`, the very function peers
 * use), so a peer cannot hand the CLI a different chunk list for an ID without being caught.
 */
import { fileIdOf } from "@p2p/dht";
import type { FileManifest as FileManifestMsg } from "@p2p/proto/node";
import { corruptError } from "./errors.js";

export interface Manifest {
  name: string;
  size: number;
  mediaType: string;
  chunkSize: number;
  chunks: string[];
}

export function manifestOf(m: FileManifestMsg): Manifest {
  return { name: m.name, size: Number(m.size), mediaType: m.mediaType, chunkSize: m.chunkSize, chunks: [...m.chunks] };
}

/** Throws exit-code-6 errors when the manifest does not hash to `id` or is inconsistent. */
export function checkManifest(id: string, m: Manifest): void {
  if (fileIdOf(m) !== id) throw corruptError(`manifest of ${id.slice(0, 12)}… does not hash to its ID`);
  const expected = m.size === 0 ? 0 : Math.ceil(m.size / m.chunkSize);
  if (!(m.chunkSize > 0) || m.chunks.length !== expected) {
    throw corruptError(`manifest of ${id.slice(0, 12)}… lists ${m.chunks.length} chunks for ${m.size} bytes in ${m.chunkSize}-byte chunks`);
  }
}

/** Byte range [start, end) of chunk `i` (the last chunk may be short). */
export function chunkSpan(m: Pick<Manifest, "size" | "chunkSize">, i: number): { start: number; end: number } {
  const start = i * m.chunkSize;
  return { start, end: Math.min(m.size, start + m.chunkSize) };
}
