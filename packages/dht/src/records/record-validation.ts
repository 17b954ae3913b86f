import { DhtError } from "../errors.js";
import type { DhtRecord, Version } from "../types.js";

/** Largest key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/** Limits applied to records; hot-reloadable, so passed on each call. */
export interface RecordLimits {
  /** Largest value in bytes (tombstones are always empty). */
  maxValueBytes: number;
}

const NODE_ID = /^[0-9a-f]{64}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function invalid(message: string): DhtError {
  return new DhtError(message, "invalid_argument");
}

/**
 * Checks a record key: a string of 1 to 1024 bytes of UTF-8 with no lone surrogate (which
 * has no UTF-8 encoding and would silently hash as U+FFFD). Throws DhtError INVALID_ARGUMENT.
 */
export function validateKey(key: unknown, field = "key"): asserts key is string {
  if (typeof key !== "string") throw invalid(`${field}: must be a string, got ${typeof key}`);
  const bytes = Buffer.byteLength(key, "utf8");
  if (bytes < 1 || bytes > MAX_KEY_BYTES) {
    throw invalid(`${field}: must be 1 to ${MAX_KEY_BYTES} bytes of UTF-8, got ${bytes}`);
  }
  const lone = LONE_SURROGATE.exec(key);
  if (lone) {
    throw invalid(`${field}: must be valid UTF-8, has a lone surrogate at index ${lone.index}`);
  }
}

/** Throws DhtError RESOURCE_EXHAUSTED when `bytes` exceeds `limit`. */
export function validateValueSize(bytes: number, limit: number, field = "value"): void {
  if (bytes > limit) {
    throw new DhtError(
      `${field}: ${bytes} bytes exceeds the limit of ${limit} bytes`,
      "resource_exhausted",
    );
  }
}

/** Checks a version's fields: wallMs a safe integer ≥ 0, logical a uint32, writer a 64-hex ID. */
export function validateVersion(version: unknown, field = "version"): asserts version is Version {
  if (typeof version !== "object" || version === null) throw invalid(`${field}: is required`);
  const v = version as Partial<Record<keyof Version, unknown>>;
  if (typeof v.wallMs !== "number" || !Number.isSafeInteger(v.wallMs) || v.wallMs < 0) {
    throw invalid(`${field}.wallMs: must be an integer ≥ 0, got ${String(v.wallMs)}`);
  }
  if (typeof v.logical !== "number" || !Number.isInteger(v.logical) || v.logical < 0 || v.logical > 0xffff_ffff) {
    throw invalid(`${field}.logical: must be an integer from 0 to 4294967295, got ${String(v.logical)}`);
  }
  if (typeof v.writer !== "string" || !NODE_ID.test(v.writer)) {
    throw invalid(`${field}.writer: must be 64 lowercase hex characters, got ${JSON.stringify(v.writer)}`);
  }
}

/**
 * Checks a record's shape before it touches the clock or the store: key, version, tombstone
 * flag, value size. Throws DhtError INVALID_ARGUMENT (malformed) or RESOURCE_EXHAUSTED (value
 * too large), the message naming the field at fault (`record.version.writer: …`). What a
 * record's type requires beyond its shape (content matching its hash, …) is the record type
 * registry's check (record-registry.ts), which calls this one first.
 */
export function validateRecord(record: unknown, limits: RecordLimits, field = "record"): asserts record is DhtRecord {
  if (typeof record !== "object" || record === null) throw invalid(`${field}: is required`);
  const r = record as Partial<Record<keyof DhtRecord, unknown>>;
  validateKey(r.key, `${field}.key`);
  validateVersion(r.version, `${field}.version`);
  if (typeof r.tombstone !== "boolean") throw invalid(`${field}.tombstone: must be a boolean`);
  if (!(r.value instanceof Uint8Array)) throw invalid(`${field}.value: must be bytes`);
  if (r.tombstone && r.value.byteLength !== 0) {
    throw invalid(`${field}.value: a tombstone must have an empty value, got ${r.value.byteLength} bytes`);
  }
  validateValueSize(r.value.byteLength, limits.maxValueBytes, `${field}.value`);
}
