/**
 * The DHT core's one error type. Its codes are a closed list that mirrors gRPC's status codes
 * (in gRPC's order, so the edge maps them one to one: `apps/peer` turns them into Connect
 * errors, gRPC statuses and HTTP statuses in one place), written as the snake_case strings
 * that logs, metrics and lookup traces show. Callers match on `code`, never on messages.
 */
import type { Version } from "./types.js";

/** Every code, in gRPC's numbering from 1 (canceled) to 16 (unauthenticated). */
export const DHT_ERROR_CODES = [
  "canceled",
  "unknown",
  "invalid_argument",
  "deadline_exceeded",
  "not_found",
  "already_exists",
  "permission_denied",
  "resource_exhausted",
  "failed_precondition",
  "aborted",
  "out_of_range",
  "unimplemented",
  "internal",
  "unavailable",
  "data_loss",
  "unauthenticated",
] as const;

export type DhtErrorCode = (typeof DHT_ERROR_CODES)[number];

const KNOWN = new Set<string>(DHT_ERROR_CODES);

/**
 * A finer reason where the edge must tell two cases of one code apart: "disk_full" is a
 * RESOURCE_EXHAUSTED from a disk quota (the peers are full: HTTP 507), not from a size limit
 * (the request is too large: HTTP 413).
 */
export type DhtErrorReason = "disk_full";

export class DhtError extends Error {
  override readonly name = "DhtError";
  readonly code: DhtErrorCode;
  readonly reason: DhtErrorReason | undefined;

  /** `message` names the field or peer at fault; it is safe to show to a client. */
  constructor(message: string, code: DhtErrorCode = "unknown", options?: { cause?: unknown; reason?: DhtErrorReason }) {
    super(message, options);
    this.code = code;
    this.reason = options?.reason;
  }

  /** A disk quota refused a write (RESOURCE_EXHAUSTED, reason "disk_full"). */
  static diskFull(message: string): DhtError {
    return new DhtError(message, "resource_exhausted", { reason: "disk_full" });
  }

  /**
   * Normalises anything thrown into a DhtError, keeping it as the cause: a DhtError as is; an
   * abort whose reason is a DhtError as that reason; other aborts as canceled; anything else
   * with `code` (default unknown).
   */
  static from(err: unknown, code: DhtErrorCode = "unknown"): DhtError {
    if (err instanceof DhtError) return err;
    if (err instanceof Error) {
      if (err.name === "AbortError") return new DhtError(err.message || "operation canceled", "canceled", { cause: err });
      if (err.name === "TimeoutError") return new DhtError(err.message || "operation timed out", "deadline_exceeded", { cause: err });
      return new DhtError(err.message, code, { cause: err });
    }
    return new DhtError(String(err), code, { cause: err });
  }

  static invalidArgument(message: string, cause?: unknown): DhtError {
    return new DhtError(message, "invalid_argument", { cause });
  }
  static notFound(message: string, cause?: unknown): DhtError {
    return new DhtError(message, "not_found", { cause });
  }
  static unavailable(message: string, cause?: unknown): DhtError {
    return new DhtError(message, "unavailable", { cause });
  }
  static deadlineExceeded(message: string, cause?: unknown): DhtError {
    return new DhtError(message, "deadline_exceeded", { cause });
  }
  static canceled(message: string, cause?: unknown): DhtError {
    return new DhtError(message, "canceled", { cause });
  }
  static resourceExhausted(message: string, cause?: unknown): DhtError {
    return new DhtError(message, "resource_exhausted", { cause });
  }
  static dataLoss(message: string, cause?: unknown): DhtError {
    return new DhtError(message, "data_loss", { cause });
  }
  static failedPrecondition(message: string, cause?: unknown): DhtError {
    return new DhtError(message, "failed_precondition", { cause });
  }
  static unimplemented(message: string, cause?: unknown): DhtError {
    return new DhtError(message, "unimplemented", { cause });
  }
  static unauthenticated(message: string, cause?: unknown): DhtError {
    return new DhtError(message, "unauthenticated", { cause });
  }
  static internal(message: string, cause?: unknown): DhtError {
    return new DhtError(message, "internal", { cause });
  }
}

/**
 * A write refused because a newer version of its key is held (ABORTED): a client write
 * carrying its own version (an owned record's seq) cannot be retried above it the way a
 * clocked write is. `current` is the newest version seen; undefined when none is held.
 */
export class ConflictError extends DhtError {
  readonly current: Version | undefined;

  constructor(message: string, current: Version | undefined, options?: { cause?: unknown }) {
    super(message, "aborted", options);
    this.current = current;
  }
}

/**
 * An owned record's write refused (ABORTED) by its seq: a lower or equal seq than the one held,
 * or a compare-and-swap whose expected seq is not the current one. `currentSeq` is the seq
 * held, undefined when no record is; the edge sends it as a structured field.
 */
export class OwnedConflictError extends ConflictError {
  readonly currentSeq: number | undefined;

  constructor(message: string, current: Version | undefined) {
    super(message, current);
    this.currentSeq = current?.wallMs;
  }
}

/** The code of anything thrown: a DhtError's own, otherwise what DhtError.from makes of it. */
export function errorCode(err: unknown): DhtErrorCode {
  return err instanceof DhtError ? err.code : DhtError.from(err).code;
}

/** True when `value` is one of the codes (for decoding codes that crossed a process boundary). */
export function isDhtErrorCode(value: unknown): value is DhtErrorCode {
  return typeof value === "string" && KNOWN.has(value);
}

/** gRPC's numeric status of a code (canceled = 1 … unauthenticated = 16). */
export function grpcCodeOf(code: DhtErrorCode): number {
  return DHT_ERROR_CODES.indexOf(code) + 1;
}

/** The code of a gRPC numeric status; 0 (OK) and numbers outside 1–16 are "unknown". */
export function codeOfGrpc(status: number): DhtErrorCode {
  return DHT_ERROR_CODES[status - 1] ?? "unknown";
}
