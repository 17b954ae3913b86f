"use client";
/** Every peer with its state and the age of the last data received from it. */
import { useRouter } from "next/navigation";
import type { PeerView } from "../lib/snapshot-types";
import { DataTable, type Column } from "./data-table";
import { IdChip, PeerStatusBadge } from "./ui";
import { fmtAge, fmtDuration, fmtPercent, fmtRate } from "./format";
import { useNow } from "./shell";

export function peerHref(p: PeerView): string {
  return `/peers/${encodeURIComponent(p.key)}`;
}

export function PeersTable({ peers, pageSize = 15 }: { peers: PeerView[]; pageSize?: number }) {
  const router = useRouter();
  const now = useNow();
  const columns: Column<PeerView>[] = [
    { key: "status", header: "State", render: (p) => <PeerStatusBadge status={p.status} fleetState={p.fleetState} />, sort: (p) => (p.status === "up" ? 1 : 0) },
    { key: "name", header: "Peer", render: (p) => <span className="font-medium text-slate-100">{p.name ?? "—"}</span>, sort: (p) => p.name ?? "" },
    { key: "id", header: "ID", render: (p) => <IdChip id={p.id} />, sort: (p) => p.id },
    { key: "http", header: "HTTP", render: (p) => <span className="font-mono text-xs text-slate-400">{p.httpAddress || "—"}</span>, sort: (p) => p.httpAddress },
    { key: "records", header: "Records", align: "right", render: (p) => <>{p.records}{p.recordsCapped && <span title="more than the dashboard fetches" className="text-amber-400">*</span>}</>, sort: (p) => p.records },
    { key: "contacts", header: "Contacts", align: "right", render: (p) => p.contacts, sort: (p) => p.contacts },
    { key: "owned", header: "Owns", align: "right", render: (p) => (p.status === "up" ? fmtPercent(p.ownedFraction) : "—"), sort: (p) => p.ownedFraction },
    { key: "ops", header: "Ops/s", align: "right", render: (p) => fmtRate(p.opsPerSec), sort: (p) => p.opsPerSec },
    { key: "uptime", header: "Uptime", align: "right", render: (p) => (p.status === "up" ? fmtDuration(p.uptimeMs) : "—"), sort: (p) => p.uptimeMs ?? 0 },
    {
      key: "age", header: "Last data", align: "right", sort: (p) => -(p.lastOkAtMs ?? 0),
      render: (p) => <span className={p.status === "up" ? "text-slate-400" : "text-rose-300"} title={p.lastError}>{fmtAge(p.lastOkAtMs, now)}</span>,
    },
  ];
  return (
    <DataTable rows={peers} columns={columns} rowKey={(p) => p.key} pageSize={pageSize} rowTestId="peer-row"
      rowAttrs={(p) => ({ "data-status": p.status, "data-id": p.id, "data-name": p.name ?? "" })}
      filterText={(p) => `${p.name ?? ""} ${p.id} ${p.httpAddress} ${p.status} ${p.fleetState ?? ""}`} placeholder="Filter peers…"
      onRowClick={(p) => router.push(peerHref(p))} empty="No peers discovered yet" />
  );
}
