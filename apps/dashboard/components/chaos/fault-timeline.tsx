"use client";
/**
 * A run's fault windows as horizontal bars over the run's duration, one lane per fault kind,
 * each bar labelled with its peers (a partition with its sides). The load phase ends at
 * `seconds`; after it the run heals, reads every key back and checks the history.
 */
import type { ReactNode } from "react";
import { CHAOS_FAULT_KINDS, chaosFinished, type ChaosFaultView, type ChaosRunView } from "../../lib/chaos-types";
import { fmtDuration } from "../format";
import { kindStyle, otherKind } from "./chaos-style";

/** A window's end: still open faults reach the run's present. */
const endOf = (f: ChaosFaultView, run: ChaosRunView) => (f.endMs > 0 ? f.endMs : Math.max(f.startMs, run.elapsedMs));

export function FaultTimeline({ run }: { run: ChaosRunView }) {
  const loadMs = run.seconds * 1000;
  const totalMs = Math.max(loadMs, run.elapsedMs, ...run.faults.map((f) => endOf(f, run)), 1);
  const pct = (ms: number) => `${(Math.min(Math.max(ms, 0), totalMs) / totalMs) * 100}%`;
  const known: readonly string[] = CHAOS_FAULT_KINDS;
  const kinds = [...known.filter((k) => run.faults.some((f) => f.kind === k)), ...new Set(run.faults.map((f) => f.kind).filter((k) => !known.includes(k)))];
  const peak = Math.max(1, ...run.okPerSecond.map((n, i) => n + (run.errorsPerSecond[i] ?? 0)));
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => t * totalMs);

  return (
    <div data-testid="chaos-timeline" data-faults={run.faults.length}>
      {kinds.length === 0 && <div className="py-3 text-center text-sm text-slate-500">{chaosFinished(run.state) ? "No fault was injected." : "No fault injected yet."}</div>}
      <div className="relative">
        {/* Phases and markers, under the lanes. */}
        <div className="pointer-events-none absolute inset-y-0 left-24 right-0">
          <div className="absolute inset-y-0 border-l border-dashed border-slate-500/70" style={{ left: pct(loadMs) }} />
          <div className="absolute inset-y-0 right-0 bg-emerald-500/5" style={{ left: pct(loadMs) }} />
          {!chaosFinished(run.state) && <div className="absolute inset-y-0 w-px bg-indigo-400/80" style={{ left: pct(run.elapsedMs) }} data-testid="chaos-now" />}
        </div>
        <div className="space-y-1.5">
          {run.okPerSecond.length > 0 && (
            <Lane label={<>ops/s<span className="block text-[10px] font-normal leading-3 text-slate-500" data-testid="throughput-peak">peak {peak}</span></>} labelClass="text-slate-400 leading-3" testId="timeline-throughput">
              <Throughput ok={run.okPerSecond} errors={run.errorsPerSecond} max={peak} totalMs={totalMs} />
            </Lane>
          )}
          {kinds.map((kind) => (
            <Lane key={kind} label={kind} labelClass={(kindStyle[kind] ?? otherKind).label} testId="timeline-lane" kind={kind}>
              {run.faults.filter((f) => f.kind === kind).map((f, i) => {
                const end = endOf(f, run);
                const label = f.kind === "partition" && f.detail ? f.detail : f.peers.join(", ");
                return (
                  <div key={`${f.startMs}-${i}`} data-testid="timeline-bar" data-kind={f.kind} data-open={f.endMs === 0}
                    title={`${f.kind} · ${f.peers.join(", ")}${f.detail ? ` · ${f.detail}` : ""}\n${fmtDuration(f.startMs)} → ${f.endMs ? fmtDuration(f.endMs) : "now"} (${fmtDuration(end - f.startMs)})`}
                    className={`absolute inset-y-0.5 overflow-hidden rounded px-1.5 text-[11px] leading-6 text-white ring-1 ring-inset ${(kindStyle[kind] ?? otherKind).bar} ${f.endMs === 0 ? "animate-pulse" : ""}`}
                    style={{ left: pct(f.startMs), width: `max(4px, calc(${pct(end)} - ${pct(f.startMs)}))` }}>
                    <span className="block truncate">{label}</span>
                  </div>
                );
              })}
            </Lane>
          ))}
          {run.anomalyAtMs.length > 0 && (
            <Lane label="anomalies" labelClass="text-rose-300" testId="timeline-anomalies">
              {run.anomalyAtMs.map((ms, i) => (
                <div key={i} data-testid="timeline-anomaly" title={`${fmtDuration(ms)}: ${run.anomalyLines[i] ?? ""}`}
                  className="absolute inset-y-0.5 w-1 -translate-x-1/2 rounded-sm bg-rose-400 ring-1 ring-rose-200/50" style={{ left: pct(ms) }} />
              ))}
            </Lane>
          )}
        </div>
      </div>
      {/* Time axis. */}
      <div className="relative ml-24 mt-1 h-4 text-[10px] text-slate-500">
        {ticks.map((t, i) => (
          <span key={i} className={`absolute whitespace-nowrap ${i === 0 ? "" : i === ticks.length - 1 ? "-translate-x-full" : "-translate-x-1/2"}`} style={{ left: pct(t) }}>{(t / 1000).toFixed(t < 10_000 ? 1 : 0)} s</span>
        ))}
      </div>
      <div className="ml-24 mt-1 flex flex-wrap gap-4 text-[11px] text-slate-500">
        <span><span className="mr-1 inline-block h-2.5 w-0 border-l border-dashed border-slate-400 align-middle" /> load phase ends ({run.seconds} s)</span>
        <span><span className="mr-1 inline-block h-2.5 w-3 bg-emerald-500/20 align-middle" /> heal, final reads, check</span>
        {run.okPerSecond.length > 0 && <span><span className="mr-1 inline-block h-2.5 w-2 bg-emerald-500/70 align-middle" />ok <span className="ml-1 mr-1 inline-block h-2.5 w-2 bg-rose-500/80 align-middle" />not ok, per second</span>}
        {!chaosFinished(run.state) && <span><span className="mr-1 inline-block h-2.5 w-px bg-indigo-400 align-middle" /> now</span>}
      </div>
    </div>
  );
}

/** One row of the timeline: a label, then a track as wide as the run. */
function Lane({ label, labelClass, testId, kind, children }: { label: ReactNode; labelClass: string; testId: string; kind?: string; children: ReactNode }) {
  return (
    <div className="flex items-center gap-2" data-testid={testId} data-kind={kind}>
      <div className={`w-22 shrink-0 text-right text-xs font-medium ${labelClass}`}>{label}</div>
      <div className="relative h-7 flex-1 rounded bg-slate-800/50">{children}</div>
    </div>
  );
}

/** Operations per second of the run, ok (green) under not ok (red), one column per second. */
function Throughput({ ok, errors, max, totalMs }: { ok: number[]; errors: number[]; max: number; totalMs: number }) {
  return (
    <svg className="absolute inset-0 h-full w-full" viewBox={`0 0 ${totalMs} 100`} preserveAspectRatio="none" aria-label="operations per second">
      {ok.map((n, i) => {
        const bad = errors[i] ?? 0;
        const hOk = (n / max) * 96;
        const hBad = (bad / max) * 96;
        return (
          <g key={i}>
            <title>{`${i}–${i + 1} s: ${n} ok, ${bad} not ok`}</title>
            <rect x={i * 1000 + 60} width={880} y={100 - hOk} height={hOk} className="fill-emerald-500/70" />
            {bad > 0 && <rect x={i * 1000 + 60} width={880} y={100 - hOk - hBad} height={hBad} className="fill-rose-500/80" />}
          </g>
        );
      })}
    </svg>
  );
}
