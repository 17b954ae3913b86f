"use client";
import { useState } from "react";
import { useRouter } from "next/navigation";
import { useSnapshot } from "../../components/use-snapshot";
import { Button, Card, Empty, IdChip, OutcomeBanner, PeerStatusBadge, type Outcome } from "../../components/ui";
import { DataTable } from "../../components/data-table";
import { FleetActions, runFleetAction } from "../../components/fleet-actions";
import { FaultControls } from "../../components/faults/fault-controls";
import { peerHref } from "../../components/peers-table";
import { fmtDuration } from "../../components/format";
import type { PeerView } from "../../lib/snapshot-types";

export default function FleetPage() {
  const { snapshot: s } = useSnapshot("peers");
  const router = useRouter();
  const [count, setCount] = useState(1);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  if (!s) return <Empty>Loading…</Empty>;
  if (!s.fleet.configured) return <Empty>No fleet controller configured. Set FLEET_URL to manage peers from here.</Empty>;
  const managed = s.peers.filter((p) => p.name);
  const spawn = async () => {
    setBusy(true);
    setOutcome({ ok: true, message: `spawning ${count} peer${count > 1 ? "s" : ""}…`, atMs: Date.now() });
    setOutcome(await runFleetAction({ action: "spawn", count }));
    setBusy(false);
  };
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold text-slate-100">Fleet</h1>
        <p className="text-sm text-slate-400">Peers run as child processes of the fleet controller{s.fleet.maxPeers ? ` (at most ${s.fleet.maxPeers})` : ""}.
          {!s.fleet.ok && <span className="text-rose-300"> Controller unreachable: {s.fleet.error}</span>}</p>
      </div>
      <Card title="Spawn peers">
        <div className="flex flex-wrap items-center gap-3">
          <label className="text-sm text-slate-300">Count
            <input type="number" min={1} max={200} value={count} onChange={(e) => setCount(Math.max(1, Math.min(200, Number(e.target.value) || 1)))} data-testid="spawn-count"
              className="ml-2 w-20 rounded-lg border border-slate-700 bg-slate-950 px-2 py-1.5 text-sm text-slate-100" />
          </label>
          <Button tone="primary" onClick={() => void spawn()} disabled={busy || !s.fleet.ok} testId="spawn">{busy ? "Spawning…" : "Spawn"}</Button>
          <div className="min-w-[280px] flex-1"><OutcomeBanner outcome={outcome} onDismiss={() => setOutcome(undefined)} /></div>
        </div>
      </Card>
      <Card title={`Managed peers · ${managed.length}`}>
        <DataTable<PeerView> rows={managed} rowKey={(p) => p.key} pageSize={25} rowTestId="fleet-row" rowAttrs={(p) => ({ "data-name": p.name ?? "", "data-status": p.status })}
          filterText={(p) => `${p.name} ${p.id} ${p.fleetState} ${p.httpAddress}`} placeholder="Filter peers…" onRowClick={(p) => router.push(peerHref(p))}
          columns={[
            { key: "name", header: "Name", render: (p) => <span className="font-medium text-slate-100">{p.name}</span>, sort: (p) => p.name ?? "" },
            { key: "state", header: "State", render: (p) => <PeerStatusBadge status={p.status} fleetState={p.fleetState} />, sort: (p) => p.fleetState ?? "" },
            { key: "id", header: "ID", render: (p) => <IdChip id={p.id} />, sort: (p) => p.id },
            { key: "pid", header: "PID", align: "right", render: (p) => p.pid || "—", sort: (p) => p.pid ?? 0 },
            { key: "http", header: "HTTP", render: (p) => <span className="font-mono text-xs text-slate-400">{p.httpAddress}</span> },
            { key: "restarts", header: "Restarts", align: "right", render: (p) => p.restarts ?? 0, sort: (p) => p.restarts ?? 0 },
            { key: "exit", header: "Last exit", render: (p) => <span className="text-xs text-slate-400">{p.lastExit ?? "—"}</span> },
            { key: "uptime", header: "Uptime", align: "right", render: (p) => (p.status === "up" ? fmtDuration(p.uptimeMs) : "—"), sort: (p) => p.uptimeMs ?? 0 },
            { key: "actions", header: "", render: (p) => <FleetActions small peer={p.name!} label={p.name!} onOutcome={setOutcome} actions={["stop", "kill", "restart", "remove"]} /> },
          ]} />
      </Card>
      <div id="faults" className="scroll-mt-20"><FaultControls peers={managed} /></div>
    </div>
  );
}
