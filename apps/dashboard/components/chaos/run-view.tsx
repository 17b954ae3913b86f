"use client";
/** One chaos run: its state and settings, live op counters, the fault timeline, and once checked the verdict. */
import { chaosFinished, type ChaosRunView } from "../../lib/chaos-types";
import { fmtCount, fmtDuration } from "../format";
import { Badge, Button, Card, Stat } from "../ui";
import { stateTone } from "./chaos-style";
import { FaultTimeline } from "./fault-timeline";

const STATE_TEXT: Record<ChaosRunView["state"], string> = {
  running: "clients and nemesis at work",
  healing: "faults healed; waiting for repair",
  checking: "reading every key back and checking the history",
  passed: "checked: no anomaly",
  failed: "checked: anomalies found",
  error: "the run itself broke",
  unknown: "state unknown to this dashboard",
};

export function RunView({ run, onStop, stopping }: { run: ChaosRunView; onStop: () => void; stopping: boolean }) {
  const done = chaosFinished(run.state);
  const checked = run.state === "passed" || run.state === "failed";
  return (
    <div className="space-y-4" data-testid="chaos-run" data-id={run.id} data-state={run.state}>
      <Card
        title={<span className="flex flex-wrap items-center gap-2">Run <span className="font-mono text-xs font-normal text-slate-400" data-testid="chaos-run-id">{run.id}</span></span>}
        actions={run.state === "running" && <Button tone="danger" onClick={onStop} disabled={stopping} testId="chaos-stop">{stopping ? "Stopping…" : "■ Stop"}</Button>}>
        <div className="flex flex-wrap items-center gap-x-4 gap-y-2 text-sm">
          <Badge tone={stateTone[run.state]} testId="chaos-state">{run.state.toUpperCase()}</Badge>
          <span className="text-slate-400">{STATE_TEXT[run.state]}</span>
          <span className="ml-auto text-xs text-slate-400">
            seed <span className="font-mono text-slate-200">{run.seed}</span> · {run.seconds} s · {run.clients} clients · {run.keys} keys ·
            {" "}{new Date(run.startedAtMs).toLocaleTimeString()} · {done ? "took" : "for"} {fmtDuration(run.elapsedMs)}
          </span>
        </div>
        {run.error && <div className="mt-3 rounded-lg bg-rose-500/10 px-3 py-2 text-sm text-rose-200 ring-1 ring-inset ring-rose-500/30" data-testid="chaos-error">{run.error}</div>}
        <div className="mt-4 grid grid-cols-2 gap-3 md:grid-cols-5">
          <Stat label="Operations" value={fmtCount(run.ops)} testId="chaos-ops" sub={run.state === "running" && run.elapsedMs > 0 ? `${(run.ops / (run.elapsedMs / 1000)).toFixed(0)} ops/s` : undefined} />
          <Stat label="OK" value={fmtCount(run.opsOk)} tone="good" testId="chaos-ok" />
          <Stat label="Failed" value={fmtCount(run.opsFailed)} tone={run.opsFailed ? "warn" : "muted"} testId="chaos-failed" sub="refused, changed nothing" />
          <Stat label="Unknown" value={fmtCount(run.opsUnknown)} tone={run.opsUnknown ? "warn" : "muted"} testId="chaos-unknown" sub="timed out: may have taken effect" />
          <Stat label="Faults" value={run.faults.length} tone="info" testId="chaos-faults" sub={`${run.faults.filter((f) => f.endMs === 0).length} in force`} />
        </div>
      </Card>

      <Card title="Fault timeline">
        <FaultTimeline run={run} />
      </Card>

      {checked && <Verdict run={run} />}
    </div>
  );
}

function Verdict({ run }: { run: ChaosRunView }) {
  const passed = run.state === "passed";
  return (
    <Card title="Verdict">
      <div className="space-y-4" data-testid="chaos-verdict" data-state={run.state}>
        <div className="flex flex-wrap items-center gap-4">
          <span data-testid="chaos-verdict-badge"
            className={`rounded-lg px-4 py-1.5 text-lg font-bold tracking-wider ring-1 ring-inset ${passed ? "bg-emerald-500/15 text-emerald-300 ring-emerald-500/40" : "bg-rose-500/15 text-rose-300 ring-rose-500/40"}`}>
            {passed ? "PASSED" : "FAILED"}
          </span>
          <div className="text-sm text-slate-300"><span className={`font-semibold ${run.anomalies ? "text-rose-300" : "text-slate-100"}`} data-testid="chaos-anomalies">{run.anomalies}</span> anomal{run.anomalies === 1 ? "y" : "ies"}</div>
          <div className="text-sm text-slate-300"><span className="font-semibold text-slate-100" data-testid="chaos-stale">{run.staleDuringFaults}</span> stale reads during faults <span className="text-slate-500">(allowed)</span></div>
        </div>
        <div className="text-xs text-slate-400">History <span className="select-all break-all font-mono text-slate-300" data-testid="chaos-history">{run.historyPath}</span>
          <span className="ml-2 text-slate-500">(check again with <span className="font-mono">check-history</span>)</span></div>
        {run.anomalyLines.length > 0 && (
          <div>
            <div className="mb-1 text-xs font-medium uppercase tracking-wider text-slate-400">Anomalies{run.anomalies > run.anomalyLines.length ? ` (first ${run.anomalyLines.length} of ${run.anomalies})` : ""}</div>
            <ul className="max-h-64 space-y-1 overflow-auto rounded-lg bg-slate-950/60 p-2 font-mono text-xs text-rose-200">
              {run.anomalyLines.map((l, i) => <li key={i} data-testid="chaos-anomaly-line" className="whitespace-pre-wrap break-words">{l}</li>)}
            </ul>
          </div>
        )}
        {run.verdict && (
          <details open>
            <summary className="cursor-pointer text-xs font-medium uppercase tracking-wider text-slate-400 hover:text-slate-200">The checker&apos;s verdict</summary>
            <pre className="mt-2 max-h-96 overflow-auto rounded-lg bg-slate-950/60 p-3 text-xs leading-relaxed text-slate-300" data-testid="chaos-verdict-text">{run.verdict}</pre>
          </details>
        )}
      </div>
    </Card>
  );
}
