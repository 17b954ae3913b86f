/**
 * Generates the history of a correct last-writer-wins store under a concurrent workload,
 * optionally with corrupted reads. Clean output must check valid; corrupted output must
 * not: a model test of the checker at a size no hand-written history reaches, and the
 * input of its speed measurement.
 *
 * The model: every operation takes effect at one instant between its start and end (its
 * linearization point). Processing operations in that order with one hybrid logical clock
 * gives versions that grow with real time, as a correct system's would; writes with outcome
 * unknown take effect or not at random; writes that fail never do.
 */
import type { FaultEvent, HistoryEvent, OpCompletionEvent, OpFunction, Outcome } from "../history-types.js";
import type { Version } from "../version.js";

export interface SyntheticOptions {
  ops: number;
  keys: number;
  /** Clients issuing ops back to back. Default 64. */
  clients?: number;
  /** PRNG seed: the same options give the same history. Default 1. */
  seed?: number;
  /** Share of ops that go to 10 hot keys (the rest spread evenly). Default 0.1. */
  hotShare?: number;
  /** Share of gets and of deletes; the rest are puts. Default 0.5 and 0.05. */
  getShare?: number;
  deleteShare?: number;
  /** Share of ops whose outcome is unknown, and fail. Default 0.01 and 0.005. */
  unknownShare?: number;
  failShare?: number;
  /** Fault windows spread over the run (alternately partition and kill). Default 4. */
  faults?: number;
  /** Share of ok reads that return the state before the key's latest write: injected anomalies. Default 0. */
  corruptShare?: number;
}

/** The history as JSON Lines text, header included. */
export function syntheticHistoryText(options: SyntheticOptions): string {
  const lines = [JSON.stringify({ type: "history", version: 1, run: "synthetic", meta: { ...options } })];
  for (const e of syntheticEvents(options)) lines.push(JSON.stringify(e));
  return `${lines.join("\n")}\n`;
}

interface Draft {
  id: number;
  client: string;
  f: OpFunction;
  key: string;
  start: number;
  end: number;
  point: number;
  outcome: Outcome;
}

type State = { value: string; version: Version } | { deleted: true; version: Version } | undefined;

const WALL_BASE = 1_700_000_000_000;

export function syntheticEvents(o: SyntheticOptions): HistoryEvent[] {
  const random = mulberry32(o.seed ?? 1);
  const clients = o.clients ?? 64;
  const hotShare = o.hotShare ?? 0.1;
  const getShare = o.getShare ?? 0.5;
  const deleteShare = o.deleteShare ?? 0.05;
  const unknownShare = o.unknownShare ?? 0.01;
  const failShare = o.failShare ?? 0.005;
  const corruptShare = o.corruptShare ?? 0;
  const hotKeys = Math.min(10, o.keys);
  const keyName = (i: number) => `key-${i}`;
  const pickKey = () => keyName(random() < hotShare ? Math.floor(random() * hotKeys) : Math.floor(random() * o.keys));

  // Each client issues its share of ops back to back: 1–20 ms each, 0–5 ms apart.
  const drafts: Draft[] = [];
  const clientTime = new Float64Array(clients);
  for (let id = 0; id < o.ops; id++) {
    const c = id % clients;
    const start = clientTime[c]! + random() * 5;
    const end = start + 1 + random() * 19;
    clientTime[c] = end;
    const r = random();
    const f: OpFunction = r < getShare ? "get" : r < getShare + deleteShare ? "delete" : "put";
    const u = random();
    const outcome: Outcome = u < unknownShare ? "unknown" : u < unknownShare + failShare ? "fail" : "ok";
    drafts.push({ id, client: `c${c}`, f, key: pickKey(), start, end, point: start + (end - start) * random(), outcome });
  }
  const loadEnd = Math.max(0, ...clientTime);

  // Final reads: one per key ever touched, after every fault ended.
  const healAt = loadEnd + 10;
  const finalAt = loadEnd + 20;
  const touched = [...new Set(drafts.map((d) => d.key))];
  touched.forEach((key, i) => {
    const start = finalAt + i * 0.01;
    drafts.push({ id: o.ops + i, client: `c${i % clients}`, f: "get", key, start, end: start + 2, point: start + 1, outcome: "ok" });
  });

  drafts.sort((a, b) => a.point - b.point);
  const states = new Map<string, State>();
  const previous = new Map<string, State>();
  let wall = 0;
  let logical = 0;
  const events: OpCompletionEvent[] = [];
  for (const d of drafts) {
    const base = { type: "op" as const, id: d.id, client: d.client, f: d.f, key: d.key, start: round(d.start), end: round(d.end), outcome: d.outcome, peer: `p${d.id % 5}` };
    if (d.f === "get") {
      if (d.outcome !== "ok") {
        events.push({ ...base, error: d.outcome === "fail" ? "invalid argument" : "unavailable" });
        continue;
      }
      const corrupt = random() < corruptShare && previous.has(d.key);
      const seen = corrupt ? previous.get(d.key) : states.get(d.key);
      events.push({ ...base, result: seen && "value" in seen ? { found: true, value: seen.value, version: seen.version } : { found: false } });
      continue;
    }
    const value = `v${d.id}`;
    const event: OpCompletionEvent = d.f === "put" ? { ...base, value } : { ...base };
    const takesEffect = d.outcome === "ok" || (d.outcome === "unknown" && random() < 0.5);
    if (takesEffect) {
      const wallNow = WALL_BASE + Math.floor(d.point);
      if (wallNow > wall) [wall, logical] = [wallNow, 0];
      else logical++;
      const version = { wallMs: wall, logical, writer: base.peer };
      previous.set(d.key, states.get(d.key));
      states.set(d.key, d.f === "put" ? { value, version } : { deleted: true, version });
      if (d.outcome === "ok") event.version = version;
    }
    if (d.outcome !== "ok") event.error = d.outcome === "fail" ? "invalid argument" : "deadline exceeded";
    events.push(event);
  }
  // A recorder writes each op when it completes.
  events.sort((a, b) => a.end - b.end);

  const faults: FaultEvent[] = [];
  const count = o.faults ?? 4;
  for (let i = 0; i < count; i++) {
    const start = round(((i + 0.5) / count) * loadEnd * 0.9);
    faults.push({ type: "fault", id: i, kind: i % 2 ? "kill" : "partition", start, end: round(start + loadEnd * 0.02), peers: [`p${i % 5}`] });
  }
  return [
    { type: "phase", name: "load", at: 0 },
    ...faults,
    ...events,
    { type: "phase", name: "heal", at: round(healAt) },
    { type: "phase", name: "final-reads", at: round(finalAt) },
  ];
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** A small seeded PRNG (Tommy Ettinger's mulberry32): reproducible histories without a dependency. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
