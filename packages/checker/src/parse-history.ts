/**
 * Reads a JSON Lines history into a validated History. Lines are checked one at a time
 * (history-schema.ts) and then against what came before: an op's completion must repeat
 * its invocation, a fault's closing line must repeat its opening, IDs are unique.
 */
import { isCompletion, validateEvent, validateHeader } from "./history-schema.js";
import type {
  EventId,
  Fault,
  FaultEvent,
  History,
  HistoryHeader,
  OpEvent,
  Operation,
  PhaseEvent,
  PhaseName,
  ReadResult,
} from "./history-types.js";
import { PHASE_NAMES } from "./history-types.js";

/** One thing wrong with the input, located by 1-based line number and field. */
export interface HistoryIssue {
  line: number;
  /** Dotted path of the field at fault, "" when the line as a whole is. */
  field: string;
  message: string;
}

/** The input is not a valid history. `issues` holds the first few problems, in line order. */
export class HistoryParseError extends Error {
  constructor(readonly issues: HistoryIssue[]) {
    const [first] = issues;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
    super(first ? `${formatIssue(first)}${more}` : "invalid history");
    this.name = "HistoryParseError";
  }
}

export function formatIssue(issue: HistoryIssue): string {
  return `line ${issue.line}: ${issue.field ? `${issue.field}: ` : ""}${issue.message}`;
}

/** Past this many problems the rest of a broken file says little more. */
const MAX_ISSUES = 20;

/**
 * Parses a whole history. A string is split into lines; when it does not end with a newline
 * and its last line is not JSON, that line is taken as cut off by a crash mid-write and
 * skipped with a warning rather than refused.
 * @throws HistoryParseError naming the line and field of each problem (up to 20).
 */
export function parseHistory(input: string | Iterable<string>): History {
  const parser = new HistoryParser();
  if (typeof input === "string") {
    const lines = input.split("\n");
    const unterminated = lines.pop()!; // "" when the text ends with a newline
    for (const line of lines) parser.addLine(line);
    if (unterminated !== "") parser.addLine(unterminated, { mayBeTruncated: true });
  } else {
    for (const line of input) parser.addLine(line);
  }
  return parser.finish();
}

interface PendingFault extends Fault {
  closed: boolean;
}

/** Incremental form of parseHistory, for input that arrives line by line (e.g. readline). */
export class HistoryParser {
  #lineNo = 0;
  #header: HistoryHeader | undefined;
  readonly #ops = new Map<EventId, Operation>();
  readonly #faults = new Map<EventId, PendingFault>();
  readonly #phases = new Map<PhaseName, number>();
  readonly #phaseLines = new Map<PhaseName, number>();
  readonly #issues: HistoryIssue[] = [];
  readonly #warnings: string[] = [];

  /** Adds the next line of the file (with or without its trailing "\r"). */
  addLine(raw: string, options: { mayBeTruncated?: boolean } = {}): void {
    const line = ++this.#lineNo;
    // Without a valid header the rest is not known to be this format (or version): one
    // problem is reported, not one per line.
    if (this.#header === undefined && this.#issues.length) return;
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (text.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      if (options.mayBeTruncated) {
        this.#warnings.push(`line ${line}: skipped an unterminated last line that is not JSON (a write cut short)`);
        return;
      }
      this.#issue(line, "", `not JSON (${(err as Error).message})`);
      return;
    }
    if (this.#header === undefined) {
      const checked = validateHeader(json);
      if (checked.ok) this.#header = checked.event;
      else this.#issue(line, checked.issue.field, checked.issue.message);
      return;
    }
    const checked = validateEvent(json);
    if (!checked.ok) {
      this.#issue(line, checked.issue.field, checked.issue.message);
      return;
    }
    const event = checked.event;
    if (event.type === "op") this.#addOp(event, line);
    else if (event.type === "fault") this.#addFault(event, line);
    else this.#addPhase(event, line);
  }

  /** @throws HistoryParseError when any line was invalid or the history is empty. */
  finish(): History {
    if (this.#header === undefined && !this.#issues.length) this.#issue(Math.max(this.#lineNo, 1), "", "empty history: expected the header line");
    this.#checkPhaseOrder();
    if (this.#issues.length) throw new HistoryParseError(this.#issues);
    const faults: Fault[] = [...this.#faults.values()].map(({ closed: _closed, ...fault }) => fault);
    return {
      header: this.#header!,
      ops: [...this.#ops.values()],
      faults,
      phases: Object.fromEntries(this.#phases),
      warnings: this.#warnings,
    };
  }

  #addOp(e: OpEvent, line: number): void {
    const known = this.#ops.get(e.id);
    if (!isCompletion(e)) {
      if (known) return this.#issue(line, "id", `op ${fmtId(e.id)} was already recorded on line ${known.line}`);
      this.#ops.set(e.id, { ...base(e, line), end: Infinity, outcome: "unknown", completed: false, ...shape(e) } as Operation);
      return;
    }
    if (known?.completed) return this.#issue(line, "id", `op ${fmtId(e.id)} already completed on line ${known.line}`);
    if (known) {
      for (const field of ["client", "f", "key", "start", "value"] as const) {
        const was = field === "value" ? (known.f === "put" ? known.value : undefined) : known[field];
        if (was !== e[field]) {
          return this.#issue(line, field, `${JSON.stringify(e[field])} differs from its invocation on line ${known.line} (${JSON.stringify(was)})`);
        }
      }
    }
    const op = {
      ...base(e, line),
      end: e.end,
      outcome: e.outcome,
      completed: true,
      ...shape(e),
      ...(e.peer === undefined && known?.peer !== undefined ? { peer: known.peer } : {}),
      ...(e.error !== undefined ? { error: e.error } : {}),
      ...(e.version !== undefined ? { version: e.version } : {}),
      ...(e.result !== undefined ? { result: e.result as ReadResult } : {}),
    } as Operation;
    this.#ops.set(e.id, op);
  }

  #addFault(e: FaultEvent, line: number): void {
    const known = this.#faults.get(e.id);
    if (known?.closed) return this.#issue(line, "id", `fault ${fmtId(e.id)} already ended on line ${known.line}`);
    if (known && e.end === undefined) return this.#issue(line, "end", `fault ${fmtId(e.id)} was opened on line ${known.line}: a second line must give its end`);
    if (known) {
      if (known.kind !== e.kind) return this.#issue(line, "kind", `"${e.kind}" differs from its opening on line ${known.line} ("${known.kind}")`);
      if (known.start !== e.start) return this.#issue(line, "start", `${e.start} differs from its opening on line ${known.line} (${known.start})`);
      if (known.peers.join("\n") !== e.peers.join("\n")) return this.#issue(line, "peers", `differ from its opening on line ${known.line}`);
    }
    const detail = e.detail !== undefined ? e.detail : known?.detail;
    this.#faults.set(e.id, {
      id: e.id,
      kind: e.kind,
      start: e.start,
      end: e.end ?? Infinity,
      peers: e.peers,
      ...(detail !== undefined ? { detail } : {}),
      line,
      closed: e.end !== undefined,
    });
  }

  #addPhase(e: PhaseEvent, line: number): void {
    const was = this.#phaseLines.get(e.name);
    if (was !== undefined) return this.#issue(line, "name", `phase ${e.name} was already marked on line ${was}`);
    this.#phases.set(e.name, e.at);
    this.#phaseLines.set(e.name, line);
  }

  /** load, heal and final-reads happen in that order; a marker out of order is a recording bug. */
  #checkPhaseOrder(): void {
    let previous: PhaseName | undefined;
    for (const name of PHASE_NAMES) {
      const at = this.#phases.get(name);
      if (at === undefined) continue;
      if (previous !== undefined && at < this.#phases.get(previous)!) {
        this.#issue(this.#phaseLines.get(name)!, "at", `phase ${name} at ${at} comes before phase ${previous} at ${this.#phases.get(previous)}`);
      }
      previous = name;
    }
  }

  #issue(line: number, field: string, message: string): void {
    if (this.#issues.length < MAX_ISSUES) this.#issues.push({ line, field, message });
  }
}

function base(e: OpEvent, line: number) {
  return { id: e.id, client: e.client, key: e.key, start: e.start, line, ...(e.peer !== undefined ? { peer: e.peer } : {}) };
}

function shape(e: OpEvent): { f: "put"; value: string } | { f: "get" | "delete" } {
  return e.f === "put" ? { f: "put", value: e.value! } : { f: e.f };
}

function fmtId(id: EventId): string {
  return typeof id === "string" ? JSON.stringify(id) : String(id);
}
