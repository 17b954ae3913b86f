"use client";
/**
 * A run's fault windows as horizontal bars over the run's duration, one lane per fault kind,
 * each bar labelled with its peers (a partition with its sides). The load phase ends at
 * `seconds`; after it the run heals, reads every key back and checks the history.
 */
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
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => t * totalMs);

  return (
    <div data-testid="chaos-timeline" data-faults={run.faults.length}>
      {kinds.length === 0 && <div className="py-3 text-center text-sm text-slate-500">No fault injected yet.</div>}
      <div className="relative">
        {/* Phases and markers, under the lanes. */}
        <div className="pointer-events-none absolute inset-y-0 left-24 right-0">
          <div className="absolute inset-y-0 border-l border-dashed border-slate-500/70" style={{ left: pct(loadMs) }} />
          <div className="absolute inset-y-0 right-0 bg-emerald-500/5" style={{ left: pct(loadMs) }} />
          {!chaosFinished(run.state) && <div className="absolute inset-y-0 w-px bg-indigo-400/80" style={{ left: pct(run.elapsedMs) }} data-testid="chaos-now" />}
        </div>
        <div className="space-y-1.5">
          {kinds.map((kind) => (
            <div key={kind} className="flex items-center gap-2" data-testid="timeline-lane" data-kind={kind}>
              <div className={`w-22 shrink-0 text-right text-xs font-medium ${(kindStyle[kind] ?? otherKind).label}`}>{kind}</div>
              <div className="relative h-7 flex-1 rounded bg-slate-800/50">
                {run.faults.filter((f) => f.kind === kind).map((f, i) => {
                  const end = endOf(f, run);
                  const label = f.kind === "partition" && f.detail ? f.detail : f.peers.join(", ");
                  return (
                    <div key={`${f.startMs}-${i}`} data-testid="timeline-bar" data-kind={f.kind} data-open={f.endMs === 0}
                      title={`${f.kind} · ${f.peers.join(", ")}${f.detail ? ` · ${f.detail}` : ""}\n${fmtDuration(f.startMs)} → ${f.endMs ? fmtDuration(f.endMs) : "now"} (${fmtDuration(end - f.startMs)})`}
                      className={`absolute inset-y-0.5 overflow-hidden rounded px-1.5 text-[11px] leading-6 text-white ring-1 ring-inset ${(kindStyle[kind] ?? otherKind).bar} ${f.endMs === 0 ? "animate-pulse" : ""}`}
                      style={{ left: pct(f.startMs), width: `max(4px, calc(${pct(end)} - ${pct(f.startMs)}))` }}>
                      <span className="whitespace-nowrap">{label}</span>
                    </div>
                  );
                })}
              </div>
            </div>
          ))}
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
        {!chaosFinished(run.state) && <span><span className="mr-1 inline-block h-2.5 w-px bg-indigo-400 align-middle" /> now</span>}
      </div>
    </div>
  );
}
