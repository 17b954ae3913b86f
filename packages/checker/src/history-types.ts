/**
 * The history of a chaos run, as lines in a file (events) and as the checker holds it
 * once parsed (History). README.md of this package specifies the file format.
 */
import type { Version } from "./version.js";

/** The format version this checker reads and the writer writes. */
export const HISTORY_FORMAT_VERSION = 1;

export const OP_FUNCTIONS = ["put", "get", "delete"] as const;
export type OpFunction = (typeof OP_FUNCTIONS)[number];

/**
 * How an operation ended, as the client knows it. `fail` means it certainly did not take
 * effect (the request was refused, e.g. INVALID_ARGUMENT); `unknown` means it may have
 * (UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, UNKNOWN, a dropped connection: Jepsen's "info").
 */
export const OUTCOMES = ["ok", "fail", "unknown"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const PHASE_NAMES = ["load", "heal", "final-reads"] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

/**
 * Fault kinds a nemesis is expected to record. The list is open (any lowercase word is
 * accepted) because new faults should not need a checker release; only `partition` has a
 * meaning of its own to the checks (minority-ack-lost).
 */
export const KNOWN_FAULT_KINDS = ["kill", "restart", "pause", "resume", "partition", "heal", "skew", "delay"] as const;

/** Operation and fault IDs: unique within their kind in one history. */
export type EventId = number | string;

/** What an ok get returned. */
export type ReadResult = { found: true; value: string; version: Version } | { found: false };

/** First line of every history file. */
export interface HistoryHeader {
  type: "history";
  version: typeof HISTORY_FORMAT_VERSION;
  /** A name for the run, for reports. */
  run?: string;
  /** Wall-clock time the run started (ISO 8601), for reports; op times are relative to a monotonic clock. */
  startedAt?: string;
  /** Anything else the run wants to keep (seed, settings, peer list). */
  meta?: Record<string, unknown>;
}

/** An op line without `outcome`: the client invoked it and has not heard back yet. */
export interface OpInvocationEvent {
  type: "op";
  id: EventId;
  client: string;
  f: OpFunction;
  key: string;
  /** Only for put: the value written (unique across the run). */
  value?: string;
  /** ms on the run's monotonic clock. */
  start: number;
  /** The peer the client sent it to. */
  peer?: string;
}

/** An op line with `outcome` and `end`: repeats its invocation's fields when one was written. */
export interface OpCompletionEvent extends OpInvocationEvent {
  end: number;
  outcome: Outcome;
  /** Only for an ok put or delete: the version it wrote. */
  version?: Version;
  /** Only for an ok get. */
  result?: ReadResult;
  /** What went wrong, for fail and unknown outcomes (e.g. "unavailable: 1 of 2 acks"). */
  error?: string;
}

export type OpEvent = OpInvocationEvent | OpCompletionEvent;

/** A fault window. Without `end` it lasts until a later line with the same id and an end, or the end of the history. */
export interface FaultEvent {
  type: "fault";
  id: EventId;
  kind: string;
  start: number;
  end?: number;
  /** The peers it acts on (may be empty when it concerns no peer in particular). */
  peers: string[];
  /** Kind-specific facts, e.g. a partition's sides or a skew's offset. */
  detail?: unknown;
}

export interface PhaseEvent {
  type: "phase";
  name: PhaseName;
  at: number;
}

export type HistoryEvent = OpEvent | FaultEvent | PhaseEvent;

interface OperationBase {
  id: EventId;
  client: string;
  key: string;
  start: number;
  /** Infinity when the history holds only its invocation (the run was cut short). */
  end: number;
  /** `unknown` as well when the operation never completed. */
  outcome: Outcome;
  error?: string;
  peer?: string;
  /** False when the history holds only its invocation. */
  completed: boolean;
  /** 1-based line of the event that last described it (its completion, or its invocation). */
  line: number;
}

export interface PutOperation extends OperationBase {
  f: "put";
  value: string;
  /** Present exactly when outcome is ok. */
  version?: Version;
}

export interface DeleteOperation extends OperationBase {
  f: "delete";
  /** Present exactly when outcome is ok. */
  version?: Version;
}

export interface GetOperation extends OperationBase {
  f: "get";
  /** Present exactly when outcome is ok. */
  result?: ReadResult;
}

export type Operation = PutOperation | DeleteOperation | GetOperation;
export type WriteOperation = PutOperation | DeleteOperation;

export interface Fault {
  id: EventId;
  kind: string;
  start: number;
  /** Infinity when the history never recorded its end. */
  end: number;
  peers: string[];
  detail?: unknown;
  line: number;
}

/** A parsed, validated history. */
export interface History {
  header: HistoryHeader;
  /** In the order their first line appeared. */
  ops: Operation[];
  faults: Fault[];
  /** When each phase began (`at`), for the phases the run marked. */
  phases: Partial<Record<PhaseName, number>>;
  /** Things the parser tolerated, e.g. a truncated last line. */
  warnings: string[];
}
