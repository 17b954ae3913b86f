"use client";
import { useParams } from "next/navigation";
import { useState } from "react";
import useSWR from "swr";
import Link from "next/link";
import { fetchJson, useSnapshot } from "../../../components/use-snapshot";
import { Badge, Button, Card, Empty, IdChip, OutcomeBanner, PeerStatusBadge, type Outcome } from "../../../components/ui";
import { DataTable } from "../../../components/data-table";
import { FleetActions } from "../../../components/fleet-actions";
import { hasFaults, PeerFaultBadges } from "../../../components/faults/fault-badges";
import { fmtAge, fmtCount, fmtDuration, fmtPercent } from "../../../components/format";
import { useNow } from "../../../components/shell";
import type { OpStatView, PeerView, BucketView } from "../../../lib/snapshot-types";
import type { PeerRecordsPage } from "../../../lib/data-types";

export default function PeerPage() {
  const { key } = useParams<{ key: string }>();
  const peerKey = decodeURIComponent(key);
  const { snapshot: s } = useSnapshot("peer", peerKey);
  const [outcome, setOutcome] = useState<Outcome>();
  const now = useNow();
  if (!s) return <Empty>Loading…</Empty>;
  const peer = s.peers.find((p) => p.key === peerKey || p.id === peerKey || p.name === peerKey);
  if (!peer) return <Empty>No peer {peerKey} in the current snapshot. <Link className="text-indigo-300" href="/">Back to the overview</Link></Empty>;
  const names = new Map(s.peers.map((p) => [p.id, p]));
  return (
    <div className="space-y-6" data-testid="peer-detail" data-status={peer.status}>
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0 space-y-1">
          <div className="flex items-center gap-3">
            <h1 className="text-xl font-semibold text-slate-100">{peer.name ?? "Peer"}</h1>
            <PeerStatusBadge status={peer.status} fleetState={peer.fleetState} />
            {peer.version && <Badge tone="muted">v{peer.version}</Badge>}
          </div>
          <div className="break-all font-mono text-sm text-slate-300" data-testid="full-id">{peer.id || "ID not known yet"}</div>
          {peer.id && <IdChip id={peer.id} />}
          {hasFaults(peer.faults) && (
            <div className="flex flex-wrap items-center gap-2 pt-1 text-xs text-slate-400" data-testid="peer-detail-faults">
              Injected faults: <PeerFaultBadges faults={peer.faults} /> <Link href="/fleet" className="text-indigo-300 hover:text-indigo-200">manage on the Fleet page</Link>
            </div>
          )}
        </div>
        {s.fleet.configured && peer.name && (
          <FleetActions peer={peer.name} label={peer.name} onOutcome={setOutcome} actions={["stop", "kill", "restart", "remove"]} />
        )}
      </div>
      <OutcomeBanner outcome={outcome} onDismiss={() => setOutcome(undefined)} />
      {peer.status === "down" && (
        <div className="rounded-lg bg-rose-500/10 px-3 py-2 text-sm text-rose-200 ring-1 ring-inset ring-rose-500/30">
          Not answering{peer.lastError ? `: ${peer.lastError}` : ""}. Showing data from {fmtAge(peer.lastOkAtMs, now)}.
        </div>
      )}
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        {[
          ["HTTP", peer.httpAddress || "—"], ["gRPC", peer.grpcAddress || "—"], ["Uptime", peer.status === "up" ? fmtDuration(peer.uptimeMs) : "—"],
          ["Started", peer.startedAtMs ? new Date(peer.startedAtMs).toLocaleTimeString() : "—"], ["Owns", fmtPercent(peer.ownedFraction)],
          ["Records", `${peer.records}${peer.recordsCapped ? " (capped)" : ""}`], ["Contacts", String(peer.contacts)],
          ["Peer links", peerLinks(peer.peerTransport, peer.networkTag)],
          ["R / W / Rq", peer.replicationFactor ? `${peer.replicationFactor} / ${peer.writeQuorum} / ${peer.readQuorum}${peer.consistency === "weak" ? " · weak: reads may be stale" : ""}` : "—"],
        ].map(([label, value]) => (
          <div key={label} className="rounded-xl border border-slate-800 bg-slate-900/70 px-3 py-2">
            <div className="text-[11px] uppercase tracking-wider text-slate-500">{label}</div>
            <div className="truncate font-mono text-sm text-slate-100" title={value}>{value}</div>
          </div>
        ))}
      </div>
      <div className="grid gap-6 xl:grid-cols-2">
        <Card title="Operations"><StatsTable rows={peer.operations} /></Card>
        <Card title="Peer-to-peer RPCs"><StatsTable rows={peer.peerRpcs} /></Card>
      </div>
      <Card title={`Routing table · ${peer.buckets.length} non-empty buckets`}><Buckets buckets={peer.buckets} names={names} /></Card>
      {peer.id && <Card title="Records held"><PeerRecords peer={peer} /></Card>}
      {s.fleet.configured && peer.name && <Card title="Recent logs (from the controller)"><Logs peer={peer.name} /></Card>}
    </div>
  );
}

function StatsTable({ rows }: { rows: OpStatView[] }) {
  return (
    <DataTable<OpStatView> rows={rows} rowKey={(o) => o.name} empty="Nothing yet" initialSort={{ key: "count", dir: -1 }}
      columns={[
        { key: "name", header: "Name", render: (o) => o.name, sort: (o) => o.name },
        { key: "count", header: "Count", align: "right", render: (o) => fmtCount(o.count), sort: (o) => o.count },
        { key: "errors", header: "Errors", align: "right", render: (o) => <span className={o.errors ? "text-rose-300" : ""}>{fmtCount(o.errors)}</span>, sort: (o) => o.errors },
        { key: "p50", header: "p50", align: "right", render: (o) => (o.count ? fmtDuration(o.p50Ms) : "–"), sort: (o) => o.p50Ms },
        { key: "p99", header: "p99", align: "right", render: (o) => (o.count ? fmtDuration(o.p99Ms) : "–"), sort: (o) => o.p99Ms },
      ]} />
  );
}

function Buckets({ buckets, names }: { buckets: BucketView[]; names: Map<string, PeerView> }) {
  const now = useNow(5000);
  if (!buckets.length) return <Empty>No contacts</Empty>;
  return (
    <div className="grid gap-3 lg:grid-cols-2">
      {buckets.map((b) => (
        <div key={b.index} className="rounded-lg border border-slate-800 bg-slate-950/60 p-3" data-testid="bucket">
          <div className="mb-2 flex items-center justify-between text-xs text-slate-400">
            <span><span className="font-semibold text-slate-200">Bucket {b.index}</span> · shares {b.index} leading bits · {b.contacts.length} contacts</span>
            <span>refreshed {fmtAge(b.refreshedAtMs || undefined, now)}</span>
          </div>
          <table className="w-full text-xs">
            <tbody>
              {b.contacts.map((c) => {
                const p = names.get(c.id);
                return (
                  <tr key={c.id} className="border-t border-slate-800/60">
                    <td className="py-1 pr-2">{p ? <PeerStatusBadge status={p.status} fleetState={p.fleetState} /> : <Badge tone="muted">unknown</Badge>}</td>
                    <td className="py-1 pr-2 text-slate-200">{p?.name ?? ""}</td>
                    <td className="py-1 pr-2"><IdChip id={c.id} /></td>
                    <td className="py-1 pr-2 font-mono text-slate-400">{c.httpAddress || c.grpcAddress}</td>
                    <td className="py-1 text-right text-slate-400">{fmtAge(c.lastSeenMs || undefined, now)}{c.failures ? <span className="text-rose-300"> · {c.failures} failed</span> : ""}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ))}
    </div>
  );
}

/** The peer's LocalRecords, paged by the peer itself (page tokens), filtered by key prefix. */
function PeerRecords({ peer }: { peer: PeerView }) {
  const [prefix, setPrefix] = useState("");
  const [tokens, setTokens] = useState<string[]>([""]);
  const token = tokens[tokens.length - 1]!;
  const url = `/api/peers/${peer.id}/records?pageSize=25&prefix=${encodeURIComponent(prefix)}&pageToken=${encodeURIComponent(token)}`;
  const { data, error } = useSWR<PeerRecordsPage>(peer.status === "up" ? url : null, fetchJson, { refreshInterval: 3000, keepPreviousData: true });
  return (
    <div>
      <div className="mb-3 flex items-center gap-2">
        <input value={prefix} onChange={(e) => { setPrefix(e.target.value); setTokens([""]); }} placeholder="Key prefix…" aria-label="Key prefix"
          className="w-64 rounded-lg border border-slate-700 bg-slate-950 px-3 py-1.5 text-sm text-slate-100 placeholder:text-slate-500 focus:border-indigo-400 focus:outline-none" />
        <span className="ml-auto text-xs text-slate-500">{data ? `${data.total} records held · page ${tokens.length}` : ""}</span>
        <Button small disabled={tokens.length <= 1} onClick={() => setTokens(tokens.slice(0, -1))}>‹ Prev</Button>
        <Button small disabled={!data?.nextPageToken} onClick={() => data && setTokens([...tokens, data.nextPageToken])}>Next ›</Button>
      </div>
      {peer.status !== "up" ? <Empty>The peer is down: its records cannot be listed.</Empty> : error ? <Empty>{(error as Error).message}</Empty> : (
        <DataTable rows={data?.records ?? []} rowKey={(r) => r.key} pageSize={25} empty="No records"
          columns={[
            { key: "key", header: "Key", render: (r) => <span className="font-mono text-xs">{r.key}</span>, sort: (r) => r.key },
            { key: "pos", header: "Position", render: (r) => <IdChip id={r.position} />, sort: (r) => r.position },
            { key: "ver", header: "Version", render: (r) => <span className="text-xs text-slate-400">{new Date(r.version.wallTimeMs).toLocaleTimeString()}{r.version.logical ? ` +${r.version.logical}` : ""}</span>, sort: (r) => r.version.wallTimeMs },
            { key: "size", header: "Size", align: "right", render: (r) => `${r.sizeBytes} B`, sort: (r) => r.sizeBytes },
            { key: "tomb", header: "", render: (r) => (r.tombstone ? <Badge tone="muted">deleted</Badge> : null) },
          ]} />
      )}
    </div>
  );
}

function Logs({ peer }: { peer: string }) {
  const { data, error } = useSWR<{ lines: string[] }>(`/api/peers/${encodeURIComponent(peer)}/logs`, fetchJson, { refreshInterval: 2000 });
  if (error) return <Empty>{(error as Error).message}</Empty>;
  if (!data) return <Empty>Loading…</Empty>;
  if (!data.lines.length) return <Empty>No log lines</Empty>;
  return (
    <div className="max-h-96 overflow-auto rounded-lg bg-slate-950 p-3 font-mono text-[11px] leading-5" data-testid="logs">
      {data.lines.slice(-200).map((line, i) => <LogLine key={i} line={line} />)}
    </div>
  );
}

const LEVELS: Record<number, [string, string]> = { 10: ["TRACE", "text-slate-500"], 20: ["DEBUG", "text-slate-400"], 30: ["INFO", "text-sky-300"], 40: ["WARN", "text-amber-300"], 50: ["ERROR", "text-rose-300"], 60: ["FATAL", "text-rose-400"] };

/** A pino JSON line shown as "time LEVEL msg {rest}"; anything else verbatim. */
function LogLine({ line }: { line: string }) {
  let parsed: Record<string, unknown> | undefined;
  try { parsed = JSON.parse(line) as Record<string, unknown>; } catch { /* not JSON */ }
  if (!parsed || typeof parsed !== "object") return <div className="whitespace-pre-wrap text-slate-300">{line}</div>;
  const { time, level, msg, pid: _pid, hostname: _h, ...rest } = parsed;
  const [name, cls] = LEVELS[Number(level)] ?? Object.values(LEVELS).find(([n]) => n === String(level).toUpperCase()) ?? [String(level ?? ""), "text-slate-300"];
  const at = typeof time === "number" || typeof time === "string" ? new Date(time) : undefined;
  const extra = Object.keys(rest).length ? JSON.stringify(rest) : "";
  return (
    <div className="whitespace-pre-wrap break-all">
      <span className="text-slate-500">{at && !Number.isNaN(at.getTime()) ? at.toLocaleTimeString() : ""} </span>
      <span className={cls}>{name.padEnd(5)} </span>
      <span className="text-slate-100">{String(msg ?? "")} </span>
      <span className="text-slate-500">{extra}</span>
    </div>
  );
}

/** How the peer talks to other peers: TLS (open or private network) or, loudly, plaintext. */
function peerLinks(transport: string | undefined, networkTag: string | undefined): string {
  if (transport === "insecure") return "INSECURE: plaintext, peers not authenticated (--insecure)";
  if (transport === "tls") return networkTag ? `TLS · private network ${networkTag}` : "TLS · open network";
  return "—";
}
