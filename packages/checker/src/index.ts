/**
 * @p2p/checker: judges the history of a chaos run. Clients record every operation they
 * attempt; after the run, the checker reads the history and says whether the network kept
 * its promises. The file format is specified in this package's README.md.
 */
export { parseHistory, HistoryParser, HistoryParseError, formatIssue } from "./parse-history.js";
export type { HistoryIssue } from "./parse-history.js";
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
