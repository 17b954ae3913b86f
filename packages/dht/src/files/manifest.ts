/**
 * File manifests: name, size, media type, chunk size and the chunk hashes in order. The file
 * ID is SHA-256 of the manifest's canonical bytes (JSON with a fixed field order), so the same
 * content under the same name and type is the same file everywhere.
 */
import { DhtError, type DhtErrorCode } from "../errors.js";
import { isNodeId, sha256Hex } from "../kademlia/node-id.js";

export interface FileManifest {
  /** File name without directories, 1 to 255 bytes of UTF-8. */
  name: string;
  /** Length in bytes. */
  size: number;
  /** e.g. "image/jpeg". */
  mediaType: string;
  /** Bytes per chunk (the last one may be shorter). */
  chunkSize: number;
  /** SHA-256 of each chunk, lowercase hex, in file order. */
  chunks: string[];
}

/** Largest chunk size a manifest may declare (16 MiB): bounds what one chunk fetch buffers. */
export const MAX_CHUNK_SIZE = 16 << 20;
const MEDIA_TYPE = /^[A-Za-z0-9][\w.+-]*\/[\w.+-]+(\s*;\s*[\w.+-]+=("[^"\\]*"|[\w.+-]+))*$/;

function invalid(field: string, problem: string, code: DhtErrorCode = "invalid_argument"): DhtError {
  return new DhtError(`${field}: ${problem}`, code);
}

/** Throws INVALID_ARGUMENT unless `name` is usable as a file name (and in Content-Disposition). */
export function validateFileName(name: unknown, field = "name"): asserts name is string {
  if (typeof name !== "string") throw invalid(field, "must be a string");
  const bytes = Buffer.byteLength(name, "utf8");
  if (bytes < 1 || bytes > 255) throw invalid(field, `must be 1 to 255 bytes of UTF-8, got ${bytes}`);
  // eslint-disable-next-line no-control-regex
  if (/[/\\\u0000-\u001f\u007f]/.test(name)) throw invalid(field, "must not contain slashes or control characters");
  if (name === "." || name === "..") throw invalid(field, `must not be "${name}"`);
  if (/[\uD800-\uDFFF]/.test(name.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ""))) throw invalid(field, "must be valid UTF-8");
}

/** Throws INVALID_ARGUMENT unless `mediaType` looks like `type/subtype[; param=value]`. */
export function validateMediaType(mediaType: unknown, field = "mediaType"): asserts mediaType is string {
  if (typeof mediaType !== "string" || mediaType.length > 255 || !MEDIA_TYPE.test(mediaType)) {
    throw invalid(field, `must be a media type such as "image/jpeg", got ${JSON.stringify(mediaType)?.slice(0, 80)}`);
  }
}

/** Throws INVALID_ARGUMENT unless `id` is 64 lowercase hex characters. */
export function validateFileId(id: unknown, field = "id"): asserts id is string {
  if (!isNodeId(id)) throw invalid(field, "must be a file ID: 64 lowercase hex characters");
}

/** Checks every field and their consistency (chunk count matches size and chunk size). */
export function validateManifest(m: unknown, field = "manifest", code: DhtErrorCode = "invalid_argument"): asserts m is FileManifest {
  if (typeof m !== "object" || m === null) throw invalid(field, "must be an object", code);
  const r = m as Record<string, unknown>;
  try {
    validateFileName(r.name, `${field}.name`);
    validateMediaType(r.mediaType, `${field}.mediaType`);
  } catch (err) {
    throw new DhtError((err as DhtError).message, code);
  }
  if (typeof r.size !== "number" || !Number.isSafeInteger(r.size) || r.size < 0) throw invalid(`${field}.size`, "must be an integer ≥ 0", code);
  if (typeof r.chunkSize !== "number" || !Number.isSafeInteger(r.chunkSize) || r.chunkSize < 1 || r.chunkSize > MAX_CHUNK_SIZE) {
    throw invalid(`${field}.chunkSize`, `must be an integer from 1 to ${MAX_CHUNK_SIZE}`, code);
  }
  if (!Array.isArray(r.chunks)) throw invalid(`${field}.chunks`, "must be an array", code);
  const expected = Math.ceil(r.size / r.chunkSize);
  if (r.chunks.length !== expected) throw invalid(`${field}.chunks`, `must list ${expected} chunks for ${r.size} bytes, got ${r.chunks.length}`, code);
  r.chunks.forEach((h, i) => {
    if (!isNodeId(h)) throw invalid(`${field}.chunks[${i}]`, "must be 64 lowercase hex characters", code);
  });
}

/** The canonical bytes the file ID hashes: JSON with a fixed field order and no spaces. */
export function canonicalManifestBytes(m: FileManifest): Uint8Array {
  const canonical = { v: 1, name: m.name, size: m.size, mediaType: m.mediaType, chunkSize: m.chunkSize, chunks: m.chunks };
  return new TextEncoder().encode(JSON.stringify(canonical));
}

/** SHA-256 of the manifest's canonical bytes: the file ID. */
export function fileIdOf(m: FileManifest): string {
  return sha256Hex(canonicalManifestBytes(m));
}

/**
 * Decodes manifest bytes fetched from a peer. Throws DATA_LOSS when they are not the canonical
 * bytes of a valid manifest (a corrupt or forged record), so callers can try another replica.
 */
export function decodeManifest(bytes: Uint8Array): FileManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new DhtError("manifest: not valid JSON", "data_loss");
  }
  validateManifest(parsed, "manifest", "data_loss");
  const { name, size, mediaType, chunkSize, chunks } = parsed;
  return { name, size, mediaType, chunkSize, chunks: [...chunks] };
}

/** Chunk i's byte range [start, end) in the file. */
export function chunkRange(m: FileManifest, i: number): { start: number; end: number } {
  const start = i * m.chunkSize;
  return { start, end: Math.min(m.size, start + m.chunkSize) };
}
