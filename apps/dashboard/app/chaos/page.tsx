"use client";
import { useEffect, useState } from "react";
import { mutate } from "swr";
import { useSnapshot, postJson } from "../../components/use-snapshot";
import { Badge, Button, Card, Empty, OutcomeBanner, type Outcome } from "../../components/ui";
import { DataTable } from "../../components/data-table";
import { fmtCount, fmtDuration } from "../../components/format";
import { ChaosForm, type ChaosStart } from "../../components/chaos/chaos-form";
import { RunView } from "../../components/chaos/run-view";
import { stateTone } from "../../components/chaos/chaos-style";
import { CHAOS_RUNS_URL, chaosRunUrl, useChaosRun, useChaosRuns } from "../../components/chaos/use-chaos";
import { chaosFinished, type ChaosRunResponse, type ChaosRunView } from "../../lib/chaos-types";

export default function ChaosPage() {
  const { snapshot: s } = useSnapshot("peers");
  /** "" follows the latest run; an ID pins an earlier one. */
  const [selected, setSelected] = useState("");
  const { run, loaded, error } = useChaosRun(selected);
  const { run: latest } = useChaosRun("");
  const going = !!latest && !chaosFinished(latest.state);
  const { runs, error: listError, mutate: refreshRuns } = useChaosRuns(going);
  // The list polls slowly once nothing goes: refresh it when the latest run changes state.
  useEffect(() => { void refreshRuns(); }, [latest?.id, latest?.state, refreshRuns]);
  const [busy, setBusy] = useState<"start" | "stop">();
  const [outcome, setOutcome] = useState<Outcome>();

  if (!s) return <Empty>Loading…</Empty>;
  if (!s.fleet.configured) return <Empty>No fleet controller configured. Set FLEET_URL to run chaos tests from here.</Empty>;
  const running = s.peers.filter((p) => p.fleetState === "running").length;

  const call = async (what: "start" | "stop", body: object) => {
    setBusy(what);
    try {
      const r = await postJson<ChaosRunResponse>("/api/fleet/chaos", body);
      setSelected("");
      await Promise.all([mutate(chaosRunUrl(""), r, { revalidate: true }), mutate(CHAOS_RUNS_URL)]);
      setOutcome({ ok: true, message: what === "start" ? `started run ${r.run?.id ?? ""} (seed ${r.run?.seed ?? "?"})` : "stopping: the run heals, reads back and is checked", atMs: Date.now() });
    } catch (err) {
      setOutcome({ ok: false, message: `${what} failed: ${(err as Error).message}`, atMs: Date.now() });
    }
    setBusy(undefined);
  };
  const start = (o: ChaosStart) => void call("start", { action: "start", ...o });

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold text-slate-100">Chaos</h1>
        <p className="text-sm text-slate-400">
          Clients write, read and delete keys through random peers while a nemesis kills, pauses, partitions, delays and skews them; then every
          fault is healed, every key read back, and the history checked for anomalies (lost writes, resurrected deletes, stale reads outside faults).
          {running < 3 && <span className="text-amber-300"> A run needs at least 3 running peers; {running} run now.</span>}
        </p>
      </div>

      <Card title="Start a run">
        <div className="space-y-3">
          <ChaosForm disabled={going || !s.fleet.ok} busy={busy === "start"} onStart={start} />
          {going && <p className="text-xs text-slate-400">A run is going: one at a time.</p>}
          <OutcomeBanner outcome={outcome} onDismiss={() => setOutcome(undefined)} testId="chaos-outcome" />
        </div>
      </Card>

      {error && <div className="rounded-lg bg-rose-500/10 px-3 py-2 text-sm text-rose-200 ring-1 ring-inset ring-rose-500/30" data-testid="chaos-load-error">Chaos runs: {error.message}</div>}
      {selected && (
        <div className="flex items-center gap-3 text-sm text-slate-400">
          Showing an earlier run. <Button small onClick={() => setSelected("")} testId="chaos-follow-latest">Follow the latest</Button>
        </div>
      )}
      {run ? <RunView run={run} stopping={busy === "stop"} onStop={() => void call("stop", { action: "stop" })} />
        : loaded && !error && <Card title="Latest run"><Empty>No chaos run yet. Start one above.</Empty></Card>}

      <Card title={`Runs · ${runs.length}`}>
        {listError && <p className="mb-2 text-sm text-rose-300">{listError.message}</p>}
        <DataTable<ChaosRunView> rows={runs} rowKey={(r) => r.id} pageSize={10} rowTestId="chaos-run-row" empty="No runs yet"
          rowAttrs={(r) => ({ "data-id": r.id, "data-state": r.state, "data-selected": String(r.id === (run?.id ?? "")) })}
          onRowClick={(r) => setSelected(r.id === latest?.id ? "" : r.id)}
          columns={[
            { key: "started", header: "Started", render: (r) => <span className={r.id === run?.id ? "font-semibold text-indigo-200" : "text-slate-200"}>{new Date(r.startedAtMs).toLocaleString()}</span>, sort: (r) => r.startedAtMs },
            { key: "state", header: "State", render: (r) => <Badge tone={stateTone[r.state]}>{r.state}</Badge>, sort: (r) => r.state },
            { key: "seed", header: "Seed", align: "right", render: (r) => <span className="font-mono text-xs">{r.seed}</span> },
            { key: "shape", header: "Load", render: (r) => <span className="text-xs text-slate-400">{r.seconds} s · {r.clients} clients · {r.keys} keys</span> },
            { key: "took", header: "Took", align: "right", render: (r) => fmtDuration(r.elapsedMs), sort: (r) => r.elapsedMs },
            { key: "ops", header: "Ops", align: "right", render: (r) => fmtCount(r.ops), sort: (r) => r.ops },
            { key: "faults", header: "Faults", align: "right", render: (r) => r.faults.length, sort: (r) => r.faults.length },
            { key: "anomalies", header: "Anomalies", align: "right", render: (r) => (chaosFinished(r.state) ? <span className={r.anomalies ? "text-rose-300" : ""}>{r.anomalies}</span> : "—"), sort: (r) => r.anomalies },
          ]} />
      </Card>
    </div>
  );
}
