/**
 * Content-addressed records: a chunk lives under `chunk:<sha256 of its bytes>`, a manifest
 * under `file:<sha256 of its canonical bytes>`. Their position on the ring is SHA-256 of the
 * key, as for every record, so routing, replication and the churn repair treat them alike.
 */
import { isNodeId, sha256Hex } from "../kademlia/node-id.js";
import type { DhtRecord, Version } from "../types.js";

export const CHUNK_PREFIX = "chunk:";
export const MANIFEST_PREFIX = "file:";

/**
 * The version of every content-addressed record. Content never changes under its hash, so
 * the same bytes written by anyone, any time, are the same record: a second upload is a no-op
 * (`applied: false`) on every replica and there is never a last-writer-wins conflict.
 */
export const CONTENT_VERSION: Readonly<Version> = Object.freeze({ wallMs: 0, logical: 0, writer: "0".repeat(64) });

export function chunkKey(hash: string): string {
  return CHUNK_PREFIX + hash;
}

export function manifestKey(fileId: string): string {
  return MANIFEST_PREFIX + fileId;
}

/** Ring position of a chunk's record. */
export function chunkPosition(hash: string): string {
  return sha256Hex(chunkKey(hash));
}

/** The hash a content key claims (`chunk:<h>` or `file:<h>`), or undefined for any other key. */
export function claimedHash(key: string): string | undefined {
  const hash = key.startsWith(CHUNK_PREFIX)
    ? key.slice(CHUNK_PREFIX.length)
    : key.startsWith(MANIFEST_PREFIX)
      ? key.slice(MANIFEST_PREFIX.length)
      : undefined;
  return hash;
}

export function isContentKey(key: string): boolean {
  return key.startsWith(CHUNK_PREFIX) || key.startsWith(MANIFEST_PREFIX);
}

/**
 * Upload lease: a chunk arrives *pending* and becomes *committed* once the uploader has stored
 * the manifest that references it; pending chunks past the lease are collected. The state is
 * the record's version, committed above pending, so last-writer-wins carries it: anti-entropy
 * and hand-off copy a pending chunk as pending, a commit reaching any replica spreads to the
 * others as a newer version, and a pending write can never demote a committed chunk.
 * (Chunks stored before the lease existed hold the pending version and are collected one
 * lease after the first sweep sees them.)
 */
export const PENDING_CHUNK_VERSION: Readonly<Version> = CONTENT_VERSION;
export const COMMITTED_CHUNK_VERSION: Readonly<Version> = Object.freeze({ wallMs: 0, logical: 1, writer: "0".repeat(64) });

/** True when a chunk record's version is the pending one (anything newer counts as committed). */
export function isPendingChunk(record: { version: Version }): boolean {
  const v = record.version;
  return v.wallMs === 0 && v.logical === 0 && v.writer === PENDING_CHUNK_VERSION.writer;
}

/** A chunk record (deterministic: same bytes and state, same record). */
export function chunkRecord(hash: string, bytes: Uint8Array, pending = false): DhtRecord {
  const version = pending ? PENDING_CHUNK_VERSION : COMMITTED_CHUNK_VERSION;
  return { key: chunkKey(hash), value: bytes, version: { ...version }, tombstone: false };
}

/**
 * Why a content record cannot be kept or served, or undefined when its value hashes to the
 * hash in its key. Tombstones of content keys are refused: content is collected locally, not deleted.
 */
export function contentProblem(record: DhtRecord): string | undefined {
  const hash = claimedHash(record.key);
  if (hash === undefined) return undefined;
  if (!isNodeId(hash)) return `${record.key.slice(0, 80)}: the hash must be 64 lowercase hex characters`;
  if (record.tombstone) return `${record.key}: content-addressed records cannot be deleted`;
  if (sha256Hex(record.value) !== hash) return `${record.key}: value does not match its hash`;
  return undefined;
}
