"use client";
/** Side panel with the essentials of one peer, linking to its detail page. */
import Link from "next/link";
import type { PeerView, RecordView } from "../lib/snapshot-types";
import { IdChip, PeerStatusBadge, Badge } from "./ui";
import { fmtAge, fmtDuration, fmtPercent } from "./format";
import { peerHref } from "./peers-table";
import { useNow } from "./shell";

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex items-baseline justify-between gap-3 py-1 text-sm">
      <span className="text-slate-400">{label}</span>
      <span className="text-right text-slate-200">{children}</span>
    </div>
  );
}

export function PeerSummary({ peer }: { peer: PeerView }) {
  const now = useNow();
  return (
    <div className="space-y-2" data-testid="peer-summary">
      <div className="flex items-center justify-between">
        <span className="text-base font-semibold text-slate-100">{peer.name ?? "Peer"}</span>
        <PeerStatusBadge status={peer.status} fleetState={peer.fleetState} />
      </div>
      <div className="break-all rounded-lg bg-slate-950 p-2 font-mono text-[11px] text-slate-300">{peer.id || "ID unknown"}</div>
      <Row label="HTTP">{peer.httpAddress || "—"}</Row>
      <Row label="gRPC">{peer.grpcAddress || "—"}</Row>
      <Row label="Owns">{peer.status === "up" ? fmtPercent(peer.ownedFraction) : "—"}</Row>
      <Row label="Records">{peer.records}</Row>
      <Row label="Contacts">{peer.contacts}</Row>
      <Row label="Uptime">{peer.status === "up" ? fmtDuration(peer.uptimeMs) : "—"}</Row>
      <Row label="Last data">{fmtAge(peer.lastOkAtMs, now)}</Row>
      {peer.lastError && <div className="rounded-lg bg-rose-500/10 p-2 text-xs text-rose-200">{peer.lastError}</div>}
      <Link href={peerHref(peer)} className="inline-block pt-1 text-sm text-indigo-300 hover:text-indigo-200">Open peer details →</Link>
    </div>
  );
}

export function RecordSummary({ record, peers }: { record: RecordView; peers: PeerView[] }) {
  const byId = new Map(peers.map((p) => [p.id, p]));
  const name = (id: string) => byId.get(id)?.name ?? "";
  const tone = record.status === "healthy" ? "good" : record.status === "under" ? "warn" : "bad";
  return (
    <div className="space-y-2" data-testid="record-summary">
      <div className="flex items-center justify-between gap-2">
        <span className="truncate font-mono text-sm font-semibold text-slate-100" title={record.key}>{record.key}</span>
        <Badge tone={tone}>{record.status === "under" ? "under-replicated" : record.status}</Badge>
      </div>
      <div className="text-xs text-slate-400">Position</div>
      <div className="break-all rounded-lg bg-slate-950 p-2 font-mono text-[11px] text-slate-300">{record.position}</div>
      <Row label="Version">{new Date(record.version.wallTimeMs).toISOString().replace("T", " ").slice(0, 23)}{record.version.logical ? ` +${record.version.logical}` : ""}</Row>
      {record.tombstone && <Row label="Deleted">tombstone</Row>}
      <div className="pt-1 text-xs font-medium uppercase tracking-wider text-slate-400">Live holders ({record.holders.length})</div>
      <ul className="space-y-1">
        {record.holders.map((h) => (
          <li key={h} className="flex items-center justify-between gap-2 text-sm"><span>{name(h)}</span><IdChip id={h} />
            {!record.expected.includes(h) && <Badge tone="info">not among R closest</Badge>}</li>
        ))}
        {record.downHolders.map((h) => (
          <li key={h} className="flex items-center justify-between gap-2 text-sm text-rose-300"><span>{name(h)} (down)</span><IdChip id={h} /></li>
        ))}
      </ul>
      <div className="pt-1 text-xs font-medium uppercase tracking-wider text-slate-400">Expected (R closest live)</div>
      <ul className="space-y-1">
        {record.expected.map((h) => (
          <li key={h} className="flex items-center justify-between gap-2 text-sm"><span>{name(h)}</span><IdChip id={h} />
            {!record.holders.includes(h) && <Badge tone="warn">missing</Badge>}</li>
        ))}
      </ul>
    </div>
  );
}
