/**
 * Validation of one history line, already JSON-parsed. The shape of each event type is a
 * zod schema; the rules that tie fields together (a put carries a value, an ok put carries
 * its version, ...) are checked by hand so each has a message that says what is wrong.
 * Both the parser and the writer use it, so a writer cannot produce a file the checker refuses.
 */
import { z } from "zod";
import {
  HISTORY_FORMAT_VERSION,
  OP_FUNCTIONS,
  OUTCOMES,
  PHASE_NAMES,
  type FaultEvent,
  type HistoryEvent,
  type HistoryHeader,
  type OpCompletionEvent,
  type OpEvent,
  type PhaseEvent,
} from "./history-types.js";

/** What is wrong with a line: the field at fault ("" for the line as a whole) and why. */
export interface LineIssue {
  field: string;
  message: string;
}

export type LineCheck<T> = { ok: true; event: T } | { ok: false; issue: LineIssue };

const EVENT_TYPES = ["op", "fault", "phase"] as const;

/** JSON has no Infinity or NaN; zod's number() refuses them anyway, which keeps every time comparable. */
const time = z.number();
const eventId = z.union([z.number().int().nonnegative(), z.string().min(1)], {
  error: "expected a non-negative integer or a non-empty string",
});
const versionSchema = z.strictObject({
  wallMs: z.number().int().nonnegative(),
  logical: z.number().int().nonnegative(),
  writer: z.string().min(1),
});
const readResultSchema = z.strictObject({
  found: z.boolean(),
  value: z.string().optional(),
  version: versionSchema.optional(),
});

const headerSchema = z.strictObject({
  type: z.literal("history"),
  version: z.number().int(),
  run: z.string().optional(),
  startedAt: z.iso.datetime({ offset: true }).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
});

const opSchema = z.strictObject({
  type: z.literal("op"),
  id: eventId,
  client: z.string().min(1),
  f: z.enum(OP_FUNCTIONS),
  key: z.string(),
  value: z.string().optional(),
  start: time,
  end: time.optional(),
  outcome: z.enum(OUTCOMES).optional(),
  version: versionSchema.optional(),
  result: readResultSchema.optional(),
  error: z.string().optional(),
  peer: z.string().min(1).optional(),
});

const faultSchema = z.strictObject({
  type: z.literal("fault"),
  id: eventId,
  kind: z.string().regex(/^[a-z][a-z0-9-]*$/, "expected a lowercase word such as partition or kill"),
  start: time,
  end: time.optional(),
  peers: z.array(z.string().min(1)),
  detail: z.unknown().optional(),
});

const phaseSchema = z.strictObject({
  type: z.literal("phase"),
  name: z.enum(PHASE_NAMES),
  at: time,
});

/** Validates the first line of a history. */
export function validateHeader(json: unknown): LineCheck<HistoryHeader> {
  if (!isObject(json) || json.type !== "history") {
    return fail("type", `the first line must be the header {"type":"history","version":${HISTORY_FORMAT_VERSION}}`);
  }
  const parsed = headerSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) return { ok: false, issue: issueOf(parsed.error.issues) };
  if (parsed.data.version !== HISTORY_FORMAT_VERSION) {
    return fail("version", `this checker reads history format ${HISTORY_FORMAT_VERSION}, got ${parsed.data.version}`);
  }
  return { ok: true, event: parsed.data as HistoryHeader };
}

/** Validates any line after the header. */
export function validateEvent(json: unknown): LineCheck<HistoryEvent> {
  if (!isObject(json)) return fail("", `expected a JSON object, got ${describeValue(json)}`);
  switch (json.type) {
    case "op":
      return validateWith(opSchema, json, opRules);
    case "fault":
      return validateWith(faultSchema, json, faultRules);
    case "phase":
      return validateWith(phaseSchema, json, () => undefined) as LineCheck<PhaseEvent>;
    case "history":
      return fail("type", "a second header: one history per file");
    default:
      return fail("type", `must be one of ${EVENT_TYPES.join(", ")}, got ${describeValue(json.type)}`);
  }
}

function validateWith<S extends z.ZodType, E extends HistoryEvent>(
  schema: S,
  json: unknown,
  rules: (e: z.output<S>) => LineIssue | undefined,
): LineCheck<E> {
  const parsed = schema.safeParse(json, { reportInput: true });
  if (!parsed.success) return { ok: false, issue: issueOf(parsed.error.issues) };
  const broken = rules(parsed.data);
  return broken ? { ok: false, issue: broken } : { ok: true, event: parsed.data as E };
}

function opRules(op: z.output<typeof opSchema>): LineIssue | undefined {
  if (op.f === "put" && op.value === undefined) return { field: "value", message: "a put needs the value it writes" };
  if (op.f !== "put" && op.value !== undefined) return { field: "value", message: `only a put carries a value, not a ${op.f}` };
  if (op.outcome === undefined) {
    // An invocation: the client has not heard back, so nothing about the answer can be known.
    for (const field of ["end", "version", "result", "error"] as const) {
      if (op[field] !== undefined) return { field, message: `an op without outcome is an invocation and carries no ${field}` };
    }
    return undefined;
  }
  if (op.end === undefined) return { field: "end", message: `an op with outcome ${op.outcome} needs its end time` };
  if (op.end < op.start) return { field: "end", message: `${op.end} is before start ${op.start}` };
  const isOk = op.outcome === "ok";
  const isWrite = op.f !== "get";
  if (isOk && isWrite && op.version === undefined) return { field: "version", message: `an ok ${op.f} needs the version it wrote` };
  if (!(isOk && isWrite) && op.version !== undefined) {
    return { field: "version", message: isWrite ? `only an ok ${op.f} carries a version, not a ${op.outcome} one` : "a get reports its version inside result" };
  }
  if (isOk && !isWrite && op.result === undefined) return { field: "result", message: "an ok get needs its result" };
  if (!(isOk && !isWrite) && op.result !== undefined) return { field: "result", message: `only an ok get carries a result` };
  if (op.result?.found === true) {
    if (op.result.value === undefined) return { field: "result.value", message: "a found result needs the value read" };
    if (op.result.version === undefined) return { field: "result.version", message: "a found result needs the version read" };
  } else if (op.result?.found === false) {
    if (op.result.value !== undefined) return { field: "result.value", message: "a not-found result carries no value" };
    if (op.result.version !== undefined) return { field: "result.version", message: "a not-found result carries no version" };
  }
  if (isOk && op.error !== undefined) return { field: "error", message: "an ok op carries no error" };
  return undefined;
}

function faultRules(fault: FaultEvent): LineIssue | undefined {
  if (fault.end !== undefined && fault.end < fault.start) return { field: "end", message: `${fault.end} is before start ${fault.start}` };
  return undefined;
}

// ---- zod issues as one sentence -------------------------------------------------------

function issueOf(issues: readonly z.core.$ZodIssue[]): LineIssue {
  const issue = issues[0]!;
  const path = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    return { field: path ? `${path}.${key}` : key, message: "unknown field" };
  }
  return { field: path, message: describeIssue(issue) };
}

/** `result.version.wallMs`, `peers[2]`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "invalid_type":
      if (input === undefined) return `missing (expected ${expectedName(issue.expected)})`;
      return `expected ${expectedName(issue.expected)}, got ${describeValue(input)}`;
    case "too_small":
      if (issue.origin === "string") return "must not be empty";
      return `must be ≥ ${issue.minimum}, got ${describeValue(input)}`;
    case "invalid_value":
      return `must be ${issue.values.length === 1 ? "" : "one of "}${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${describeValue(input)}`;
    case "invalid_format":
      return issue.format === "datetime" ? `expected an ISO 8601 date-time, got ${describeValue(input)}` : issue.message;
    default:
      return issue.message;
  }
}

function expectedName(expected: string): string {
  return expected === "int" ? "an integer" : expected === "record" || expected === "object" ? "an object" : `a ${expected}`;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === "object") return "an object";
  return String(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fail<T>(field: string, message: string): LineCheck<T> {
  return { ok: false, issue: { field, message } };
}

/** Type guard for the two kinds of op line. */
export function isCompletion(e: OpEvent): e is OpCompletionEvent {
  return "outcome" in e && e.outcome !== undefined;
}
