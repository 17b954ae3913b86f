/** Renders a run as Markdown: the labels, then one table of every figure with its floor ratio and target. */
import type { Figure, SectionResult } from "./figures.js";
import type { MachineFacts } from "./machine.js";

export interface BenchRun {
  startedAt: string;
  mode: "quick" | "full";
  sections: string[];
  machine: MachineFacts;
  loadBefore: [number, number, number];
  loadAfter: [number, number, number];
  durationSeconds: number;
  results: SectionResult[];
}

function num(v: number): string {
  if (!Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  return a >= 1000 ? Math.round(v).toLocaleString("en-US") : a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
}

function row(f: Figure): string {
  const range = f.value.reps > 1 ? `${num(f.value.min)}–${num(f.value.max)}` : "";
  const ratio = f.floorRatio === undefined ? "" : `${f.floorRatio.toFixed(2)}×`;
  const target = f.target ? `${f.target.text}: **${f.target.pass ? "pass" : "short"}**` : "";
  return `| ${f.section} | ${f.name} | ${num(f.value.median)} ${f.unit} | ${range} | ${ratio} | ${target} |`;
}

export function renderMarkdown(run: BenchRun): string {
  const m = run.machine;
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");
  const lines = [
    `# Benchmark ${run.mode} run, ${run.startedAt}`,
    "",
    `Commit \`${m.commit}\`${m.dirty ? " (with uncommitted changes)" : ""} · ${m.cpuCount} × ${m.cpuModel} · ${m.totalMemMiB} MiB RAM · Node ${m.node} · ${m.platform}`,
    `Load average (1/5/15 min) before ${load(run.loadBefore)}, after ${load(run.loadAfter)} · took ${run.durationSeconds.toFixed(0)} s`,
    "",
    "Each figure is the median of its repetitions (range: min–max). Latency ratios are to the bare gRPC round trip measured in this run; throughput ratios to the bare Connect req/s.",
    "",
    "| Section | Figure | Median | Range | × floor | Target |",
    "|---|---|---|---|---|---|",
    ...run.results.flatMap((r) => (r.figures.length ? r.figures.map(row) : [`| ${r.section} | ${r.status} | | | | |`])),
    "",
  ];
  for (const r of run.results) {
    if (!r.notes.length && r.status === "ok") continue;
    lines.push(`**${r.section}** (${r.status}, ${r.seconds.toFixed(0)} s)`, ...r.notes.map((n) => `- ${n}`), "");
  }
  return lines.join("\n");
}
