/**
 * A verdict as text for a person: the verdict line first, then counts, summary figures,
 * warnings, and each anomaly with the operations that prove it.
 */
import { ANOMALY_KINDS, type Anomaly, type FaultRef, type OpRef } from "./anomaly.js";
import type { Verdict } from "./check-history.js";
import { OP_FUNCTIONS, OUTCOMES } from "./history-types.js";
import type { LatencySummary } from "./stats.js";
import { formatVersion } from "./version.js";

export interface FormatOptions {
  /** Anomalies shown per kind; the rest are counted. Default 20. */
  maxPerKind?: number;
}

export function formatVerdict(verdict: Verdict, options: FormatOptions = {}): string {
  const maxPerKind = options.maxPerKind ?? 20;
  const { counts, stats } = verdict;
  const out: string[] = [];
  const scope = `${count(stats.ops, "op")} on ${count(stats.keys, "key")}, ${count(stats.finalReads, "final read")}`;
  if (verdict.valid) {
    out.push(`VALID: no anomalies in ${scope}`);
  } else {
    const kinds = ANOMALY_KINDS.filter((k) => counts[k] > 0).map((k) => `${counts[k]} ${k}`);
    out.push(`INVALID: ${verdict.anomalies.length} ${plural(verdict.anomalies.length, "anomaly", "anomalies")} (${kinds.join(", ")}) in ${scope}`);
  }

  out.push("", "counts:");
  const row = (name: string, n: number, note = "") => out.push(`  ${name.padEnd(20)}${String(n).padStart(8)}${note}`);
  for (const kind of ANOMALY_KINDS) row(kind, counts[kind]);
  row("minority-ack-lost", counts.minorityAckLost, "  (of the lost writes and resurrected deletes: acknowledged during a partition)");
  row("stale during faults", counts.staleDuringFaults, verdict.settleMs > 0 ? `  (not anomalies; faults count until ${verdict.settleMs} ms after they end)` : "  (not anomalies)");

  out.push("", "stats:");
  const byF = OP_FUNCTIONS.map((f) => {
    const o = stats.byFunction[f];
    const total = OUTCOMES.reduce((s, k) => s + o[k], 0);
    return `${f} ${total} (${OUTCOMES.map((k) => `${k} ${o[k]}`).join(", ")})`;
  });
  out.push(`  ops ${stats.ops}: ${byF.join("; ")}${stats.incomplete ? `; ${stats.incomplete} never completed` : ""}`);
  out.push(
    `  availability ${percent(stats.availability)} overall` +
      (stats.availabilityDuringFaults === null ? ", no op during a fault" : `, ${percent(stats.availabilityDuringFaults)} during faults (${stats.opsDuringFaults} ops)`),
  );
  out.push(`  latency ${latency(stats.latencyMs)}; during faults ${latency(stats.latencyDuringFaultsMs)}`);
  for (const f of OP_FUNCTIONS) if (stats.latencyByFunctionMs[f]) out.push(`    ${f.padEnd(7)}${latency(stats.latencyByFunctionMs[f])}`);
  out.push(
    `  keys ${stats.keys} (${stats.keysWithAckedWrites} with acknowledged writes, ${stats.keysWithoutFinalRead} of them without an ok final read); ` +
      `final reads ${stats.finalReads} ok, ${stats.finalReadsNotOk} not ok`,
  );
  const kinds = Object.entries(stats.faultsByKind).map(([k, n]) => `${k} ${n}`);
  out.push(`  faults ${stats.faults}${kinds.length ? ` (${kinds.join(", ")})` : ""}; duration ${round(stats.durationMs)} ms`);

  if (verdict.warnings.length) {
    out.push("", "warnings:");
    for (const w of verdict.warnings) out.push(`  - ${w}`);
  }

  if (verdict.anomalies.length) {
    out.push("", "anomalies:");
    for (const kind of ANOMALY_KINDS) {
      const ofKind = verdict.anomalies.filter((a) => a.kind === kind);
      for (const a of ofKind.slice(0, maxPerKind)) out.push(...formatAnomaly(a));
      if (ofKind.length > maxPerKind) out.push(`  … and ${ofKind.length - maxPerKind} more ${kind}`);
    }
  }
  if (verdict.staleDuringFaultsExamples.length) {
    const shown = verdict.staleDuringFaultsExamples.slice(0, maxPerKind);
    out.push("", `stale reads during faults (not anomalies; ${shown.length} of ${counts.staleDuringFaults} shown):`);
    for (const a of shown) out.push(...formatAnomaly(a));
  }
  return `${out.join("\n")}\n`;
}

function formatAnomaly(a: Anomaly): string[] {
  // The explanation names the key and the operations; the lines under it give their details.
  const lines = [`  ${a.kind}${a.minorityAckLost ? " [minority-ack-lost]" : ""}: ${a.explanation}`];
  for (const op of a.ops) lines.push(`      ${formatOp(op)}`);
  for (const f of a.faults ?? []) lines.push(`      ${formatFault(f)}`);
  return lines;
}

function formatOp(op: OpRef): string {
  const id = typeof op.id === "string" ? JSON.stringify(op.id) : String(op.id);
  const parts = [op.role.padEnd(13), `${op.f} ${id}`.padEnd(12), `client ${op.client}`, `[${op.start}, ${op.end ?? "never"}]`, op.outcome];
  if (op.value !== undefined) parts.push(`value ${JSON.stringify(op.value)}`);
  if (op.version) parts.push(`version ${formatVersion(op.version)}`);
  if (op.result) parts.push(op.result.found ? `→ ${JSON.stringify(op.result.value)} version ${formatVersion(op.result.version)}` : "→ not found");
  if (op.error !== undefined) parts.push(`error ${JSON.stringify(op.error)}`);
  if (op.peer !== undefined) parts.push(`peer ${op.peer.length > 12 ? op.peer.slice(0, 12) : op.peer}`);
  parts.push(`(line ${op.line})`);
  return parts.join("  ");
}

function formatFault(f: FaultRef): string {
  const id = typeof f.id === "string" ? JSON.stringify(f.id) : String(f.id);
  return `${"fault".padEnd(13)}  ${`${f.kind} ${id}`.padEnd(12)}  [${f.start}, ${f.end ?? "open"}]  peers ${f.peers.join(",") || "-"}`;
}

function latency(l: LatencySummary | null): string {
  return l ? `p50 ${round(l.p50)} ms, p90 ${round(l.p90)} ms, p99 ${round(l.p99)} ms, max ${round(l.max)} ms (${count(l.count, "op")})` : "none";
}

function percent(x: number | null): string {
  if (x === null) return "n/a";
  // Two decimals near 100%: "99.95%" and "100.0%" are different runs.
  return `${(x * 100).toFixed(x > 0.99 && x < 1 ? 2 : 1)}%`;
}

function round(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(x < 10 ? 2 : 1);
}

function count(n: number, one: string): string {
  return `${n} ${plural(n, one, `${one}s`)}`;
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}
