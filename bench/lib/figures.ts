/**
 * The result model: every section returns figures (a median over repetitions with min and
 * max), optionally compared with the floor and a target, plus free-form notes.
 */
import { spread, type Spread } from "./stats.js";

export type Unit = "ms" | "µs" | "req/s" | "keys/s" | "MB/s" | "MiB" | "s" | "%" | "hops" | "msgs" | "count" | "KiB" | "ratio";

/** A goal the bench prints pass/short against (never a test assertion). */
export interface Target {
  /** Human wording, e.g. "≤ 3× gRPC floor". */
  text: string;
  pass: boolean;
}

export interface Figure {
  section: string;
  name: string;
  unit: Unit;
  value: Spread;
  /** Latency figures: median / the floor's median measured in the same run. */
  floorRatio?: number;
  /** Which floor the ratio is against. */
  floorName?: string;
  target?: Target;
}

export interface SectionResult {
  section: string;
  /** "ok", or why it did not run ("not available: …", "failed: …"). */
  status: string;
  figures: Figure[];
  notes: string[];
  /** Raw detail kept in the JSON only. */
  detail?: unknown;
  seconds: number;
}

/** Builds a figure from repetition values. */
export function figure(section: string, name: string, unit: Unit, values: readonly number[]): Figure {
  return { section, name, unit, value: spread(values) };
}

/** Adds a ratio to `floor` (its median) to a latency figure. */
export function withFloor(f: Figure, floor: Figure | undefined): Figure {
  if (!floor || !Number.isFinite(floor.value.median) || floor.value.median <= 0) return f;
  return { ...f, floorRatio: f.value.median / floor.value.median, floorName: floor.name };
}

/** Attaches a target; `pass` decides from the figure. */
export function withTarget(f: Figure, text: string, pass: (f: Figure) => boolean): Figure {
  return { ...f, target: { text, pass: pass(f) } };
}
