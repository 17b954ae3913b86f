/**
 * What the checker reports: each anomaly names its kind, its key, the operations that
 * prove it (with their times, versions and values) and one line that explains it.
 */
import type { EventId, Fault, OpFunction, Operation, Outcome, ReadResult } from "./history-types.js";
import type { Version } from "./version.js";

export const ANOMALY_KINDS = [
  /** A final read missed an acknowledged write of its key: the write is gone for good. */
  "lost-write",
  /** A read returned a value older than an acknowledged delete of its key (outside faults, or in final reads). */
  "resurrected-delete",
  /** A read returned a value no put on its key ever tried to write. */
  "phantom-value",
  /** A read returned a value only a put with outcome fail wrote: a write that was refused took effect. */
  "failed-write-read",
  /** A read missed a write acknowledged before it began, with no fault window overlapping the read. */
  "stale-read",
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/**
 * The part an operation plays in an anomaly:
 * - read: the read at fault;
 * - missed-write / missed-delete: the acknowledged write (or delete) the read should have seen;
 * - source-write: a put that wrote the value the read returned (on another key, for a phantom).
 */
export type OpRole = "read" | "missed-write" | "missed-delete" | "source-write";

/** An operation as reports show it. `end` is null for an operation that never completed. */
export interface OpRef {
  role: OpRole;
  id: EventId;
  client: string;
  f: OpFunction;
  key: string;
  start: number;
  end: number | null;
  outcome: Outcome;
  /** Line of the history file that recorded it. */
  line: number;
  value?: string;
  version?: Version;
  result?: ReadResult;
  error?: string;
  peer?: string;
}

/** A fault window as reports show it. `end` is null for a window that never ended. */
export interface FaultRef {
  id: EventId;
  kind: string;
  start: number;
  end: number | null;
  peers: string[];
}

export interface Anomaly {
  kind: AnomalyKind;
  key: string;
  /** One line: what happened and why it breaks a promise. */
  explanation: string;
  ops: OpRef[];
  /**
   * For what a final read found lost (lost-write, resurrected-delete): set when the lost write
   * was acknowledged while a partition was active, i.e. a minority side may have acknowledged a
   * write the majority never saw.
   */
  minorityAckLost?: boolean;
  /** The partition windows behind minorityAckLost. */
  faults?: FaultRef[];
}

export function opRef(role: OpRole, op: Operation): OpRef {
  const ref: OpRef = {
    role,
    id: op.id,
    client: op.client,
    f: op.f,
    key: op.key,
    start: op.start,
    end: op.completed ? op.end : null,
    outcome: op.outcome,
    line: op.line,
  };
  if (op.f === "put") ref.value = op.value;
  if (op.f !== "get" && op.version) ref.version = op.version;
  if (op.f === "get" && op.result) ref.result = op.result;
  if (op.error !== undefined) ref.error = op.error;
  if (op.peer !== undefined) ref.peer = op.peer;
  return ref;
}

export function faultRef(f: Fault): FaultRef {
  return { id: f.id, kind: f.kind, start: f.start, end: Number.isFinite(f.end) ? f.end : null, peers: f.peers };
}

/** `put 17`, `get "c3-9"`: how explanations name an operation. */
export function opName(op: Operation): string {
  return `${op.f} ${typeof op.id === "string" ? JSON.stringify(op.id) : op.id}`;
}
