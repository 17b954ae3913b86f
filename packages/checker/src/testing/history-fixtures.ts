/**
 * Short ways to write histories by hand in tests: each helper returns one event line, and
 * `historyText` joins them under a header. Defaults (key "k", outcome ok, writer "w1") keep
 * each test's history down to what the test is about.
 */
import { checkHistory, type Verdict } from "../check-history.js";
import type { FaultEvent, HistoryEvent, OpCompletionEvent, PhaseName, ReadResult } from "../history-types.js";
import { parseHistory } from "../parse-history.js";
import type { Version } from "../version.js";

export function ver(wallMs: number, logical = 0, writer = "w1"): Version {
  return { wallMs, logical, writer };
}

interface OpSpec {
  id: number | string;
  key?: string;
  start: number;
  end: number;
  outcome?: "ok" | "fail" | "unknown";
  client?: string;
  peer?: string;
  error?: string;
}

export function put(spec: OpSpec & { value: string; version?: Version }): OpCompletionEvent {
  const outcome = spec.outcome ?? "ok";
  return {
    ...common(spec, "put"),
    value: spec.value,
    ...(outcome === "ok" ? { version: spec.version ?? ver(spec.end) } : { error: spec.error ?? `${outcome}` }),
  };
}

export function del(spec: OpSpec & { version?: Version }): OpCompletionEvent {
  const outcome = spec.outcome ?? "ok";
  return {
    ...common(spec, "delete"),
    ...(outcome === "ok" ? { version: spec.version ?? ver(spec.end) } : { error: spec.error ?? `${outcome}` }),
  };
}

/** An ok get that found `value` at `version`. */
export function found(spec: OpSpec & { value: string; version: Version }): OpCompletionEvent {
  const result: ReadResult = { found: true, value: spec.value, version: spec.version };
  return { ...common({ ...spec, outcome: "ok" }, "get"), result };
}

/** An ok get that found nothing. */
export function notFound(spec: OpSpec): OpCompletionEvent {
  return { ...common({ ...spec, outcome: "ok" }, "get"), result: { found: false } };
}

export function fault(spec: { id: number | string; kind: string; start: number; end?: number; peers?: string[] }): FaultEvent {
  return { type: "fault", id: spec.id, kind: spec.kind, start: spec.start, ...(spec.end !== undefined ? { end: spec.end } : {}), peers: spec.peers ?? ["p1"] };
}

export function phase(name: PhaseName, at: number): HistoryEvent {
  return { type: "phase", name, at };
}

/** A whole history file: the header, then one JSON line per event (or raw string). */
export function historyText(...events: (HistoryEvent | string)[]): string {
  const lines = [JSON.stringify({ type: "history", version: 1 }), ...events.map((e) => (typeof e === "string" ? e : JSON.stringify(e)))];
  return `${lines.join("\n")}\n`;
}

/** Parses and checks a history written with these helpers. */
export function verdictOf(...events: (HistoryEvent | string)[]): Verdict {
  return checkHistory(parseHistory(historyText(...events)));
}

function common(spec: OpSpec, f: "put" | "get" | "delete"): OpCompletionEvent {
  return {
    type: "op",
    id: spec.id,
    client: spec.client ?? "c1",
    f,
    key: spec.key ?? "k",
    start: spec.start,
    end: spec.end,
    outcome: spec.outcome ?? "ok",
    ...(spec.peer !== undefined ? { peer: spec.peer } : {}),
  };
}
