/**
 * @p2p/checker: judges the history of a chaos run. Clients record every operation they
 * attempt (HistoryWriter); after the run, parseHistory + checkHistory say whether the
 * network kept its promises — no lost acknowledged write, no phantom value, no stale read
 * outside faults, no resurrected delete — and formatVerdict explains each anomaly.
 * The file format is specified in this package's README.md.
 */
export { parseHistory, HistoryParser, HistoryParseError, formatIssue } from "./parse-history.js";
export type { HistoryIssue } from "./parse-history.js";
export { checkHistory } from "./check-history.js";
export type { Verdict, VerdictCounts, CheckOptions } from "./check-history.js";
export { formatVerdict } from "./format-verdict.js";
export type { FormatOptions } from "./format-verdict.js";
export { HistoryWriter } from "./history-writer.js";
export type { HistoryWriterOptions } from "./history-writer.js";
export { ANOMALY_KINDS } from "./anomaly.js";
export type { Anomaly, AnomalyKind, OpRef, OpRole, FaultRef } from "./anomaly.js";
export type { HistoryStats, LatencySummary } from "./stats.js";
export { compareVersions, formatVersion } from "./version.js";
export type { Version } from "./version.js";
export {
  HISTORY_FORMAT_VERSION,
  OP_FUNCTIONS,
  OUTCOMES,
  PHASE_NAMES,
  KNOWN_FAULT_KINDS,
} from "./history-types.js";
export type {
  History,
  HistoryHeader,
  HistoryEvent,
  OpEvent,
  OpInvocationEvent,
  OpCompletionEvent,
  FaultEvent,
  PhaseEvent,
  Operation,
  PutOperation,
  GetOperation,
  DeleteOperation,
  WriteOperation,
  Fault,
  EventId,
  OpFunction,
  Outcome,
  PhaseName,
  ReadResult,
} from "./history-types.js";
