"use client";
/**
 * The Fleet page's fault controls: every managed peer's faults, Pause/Resume, a partition
 * builder (each running peer on side A, side B or neither), the delay/skew form and Heal all.
 * What the page shows comes from the controller (FleetPeer.faults in the snapshot), never from
 * what was clicked, and every failure is shown with the controller's message.
 */
import { useState } from "react";
import type { PeerView } from "../../lib/snapshot-types";
import { DataTable } from "../data-table";
import { runAction } from "../fleet-actions";
import { Badge, Button, Card, OutcomeBanner, PeerStatusBadge, type Outcome } from "../ui";
import { hasFaults, PeerFaultBadges } from "./fault-badges";
import { partitionOfPeers } from "./partition-banner";
import { PeerFaultForm } from "./peer-fault-form";

type Side = "A" | "B";

const FAULTS_URL = "/api/fleet/faults";

export function FaultControls({ peers }: { peers: readonly PeerView[] }) {
  const [sides, setSides] = useState<Record<string, Side>>({});
  const [busy, setBusy] = useState<string>();
  const [outcome, setOutcome] = useState<Outcome>();
  const managed = peers.filter((p): p is PeerView & { name: string } => !!p.name);
  const running = (p: PeerView) => p.fleetState === "running";
  const sideOf = (p: PeerView & { name: string }): Side | undefined => (running(p) ? sides[p.name] : undefined);
  const groupA = managed.filter((p) => sideOf(p) === "A").map((p) => p.name);
  const groupB = managed.filter((p) => sideOf(p) === "B").map((p) => p.name);
  const faulty = managed.filter((p) => hasFaults(p.faults)).length;
  const inForce = partitionOfPeers(managed).sides;

  const act = async (what: string, body: { action: string } & Record<string, unknown>) => {
    setBusy(what);
    setOutcome(await runAction(FAULTS_URL, body));
    setBusy(undefined);
  };
  const assign = (name: string, side: Side | undefined) => setSides((s) => {
    const next = { ...s };
    if (side) next[name] = side;
    else delete next[name];
    return next;
  });
  const othersToB = () => setSides((s) => {
    const next = { ...s };
    for (const p of managed) if (running(p) && !next[p.name]) next[p.name] = "B";
    return next;
  });

  return (
    <Card
      title={<span className="flex items-center gap-2">Faults {faulty > 0 ? <Badge tone="bad" testId="faults-active">{faulty} peer{faulty > 1 ? "s" : ""} faulted</Badge> : <Badge tone="good" testId="faults-active">none</Badge>}</span>}
      actions={<Button tone="good" onClick={() => void act("heal", { action: "heal" })} disabled={busy !== undefined} testId="heal-all">{busy === "heal" ? "Healing…" : "✚ Heal all"}</Button>}>
      <div className="space-y-4">
        <p className="text-xs text-slate-400">
          Partitions, delays and clock skews go through each peer&apos;s fault injection; pausing is SIGSTOP (the process answers nothing until resumed).
          {inForce.length > 1 && (
            <span className="ml-1 text-rose-300" data-testid="partition-in-force">Partition in force: {inForce.map((g) => g.join(", ")).join("  |  ")}</span>
          )}
        </p>
        <OutcomeBanner outcome={outcome} onDismiss={() => setOutcome(undefined)} testId="faults-outcome" />
        <DataTable<PeerView & { name: string }> rows={managed} rowKey={(p) => p.key} pageSize={50} rowTestId="fault-row"
          rowAttrs={(p) => ({ "data-name": p.name, "data-paused": String(!!p.faults?.paused), "data-partitioned": String(p.faults?.partitionedFrom.length ?? 0), "data-delay": String(p.faults?.delayMs ?? 0), "data-skew": String(p.faults?.clockSkewMs ?? 0) })}
          columns={[
            { key: "name", header: "Peer", render: (p) => <span className="font-medium text-slate-100">{p.name}</span> },
            { key: "state", header: "State", render: (p) => <PeerStatusBadge status={p.status} fleetState={p.fleetState} /> },
            { key: "side", header: "Partition side", render: (p) => <SidePicker side={sideOf(p)} disabled={!running(p)} onChange={(s) => assign(p.name, s)} /> },
            { key: "faults", header: "Faults", className: "w-full", render: (p) => <PeerFaultBadges faults={p.faults} /> },
            { key: "pause", header: "", align: "right", render: (p) => p.faults?.paused
              ? <Button small tone="primary" disabled={busy !== undefined} onClick={() => void act(`resume ${p.name}`, { action: "resume", peer: p.name })} testId="fault-resume">Resume</Button>
              : <Button small tone="warn" disabled={busy !== undefined || !running(p)} onClick={() => void act(`pause ${p.name}`, { action: "pause", peer: p.name })} testId="fault-pause">Pause</Button> },
          ]} />
        <div className="grid gap-4 lg:grid-cols-2">
          <div className="space-y-3 rounded-lg border border-slate-800 bg-slate-950/40 p-3" data-testid="partition-builder">
            <div className="text-xs font-medium uppercase tracking-wider text-slate-400">Partition builder</div>
            <div className="grid grid-cols-2 gap-2 text-sm">
              <SideList label="Side A" names={groupA} testId="side-a-list" />
              <SideList label="Side B" names={groupB} testId="side-b-list" />
            </div>
            <div className="flex flex-wrap items-center gap-2">
              <Button tone="danger" disabled={busy !== undefined || groupA.length === 0 || groupB.length === 0} testId="partition"
                onClick={() => void act("partition", { action: "partition", groups: [groupA, groupB] })}>{busy === "partition" ? "Partitioning…" : "Partition A | B"}</Button>
              <Button small onClick={othersToB} testId="others-to-b">Others → B</Button>
              <Button small onClick={() => setSides({})} testId="sides-clear">Clear sides</Button>
              <span className="text-xs text-slate-500">Peers on neither side reach everyone. Replaces any partition in force.</span>
            </div>
          </div>
          <div className="rounded-lg border border-slate-800 bg-slate-950/40 p-3">
            <PeerFaultForm peers={managed} onOutcome={setOutcome} />
          </div>
        </div>
      </div>
    </Card>
  );
}

function SidePicker({ side, disabled, onChange }: { side: Side | undefined; disabled: boolean; onChange: (s: Side | undefined) => void }) {
  const options: { value: Side | undefined; label: string; testId: string; on: string }[] = [
    { value: "A", label: "A", testId: "side-A", on: "bg-sky-500/25 text-sky-200 ring-sky-400/60" },
    { value: "B", label: "B", testId: "side-B", on: "bg-fuchsia-500/25 text-fuchsia-200 ring-fuchsia-400/60" },
    { value: undefined, label: "–", testId: "side-none", on: "bg-slate-700 text-slate-100 ring-slate-500" },
  ];
  return (
    <div className="inline-flex gap-1" role="radiogroup" aria-label="Partition side" data-side={side ?? ""}>
      {options.map((o) => (
        <button key={o.testId} type="button" role="radio" aria-checked={side === o.value} disabled={disabled} data-testid={o.testId} onClick={() => onChange(o.value)}
          className={`w-7 rounded-md py-0.5 text-xs font-semibold ring-1 ring-inset disabled:cursor-not-allowed disabled:opacity-30 ${side === o.value ? o.on : "text-slate-400 ring-slate-700 hover:bg-slate-800"}`}>
          {o.label}
        </button>
      ))}
    </div>
  );
}

function SideList({ label, names, testId }: { label: string; names: string[]; testId: string }) {
  return (
    <div className="rounded-md border border-slate-800 px-2 py-1.5">
      <div className="text-xs text-slate-500">{label} · {names.length}</div>
      <div className="mt-0.5 min-h-5 text-slate-200" data-testid={testId}>{names.length ? names.join(", ") : <span className="text-slate-600">nobody</span>}</div>
    </div>
  );
}
