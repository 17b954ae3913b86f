"use client";
import { useSnapshot } from "../components/use-snapshot";
import { Card, Empty, Stat, verdictTone } from "../components/ui";
import { PeersTable } from "../components/peers-table";
import { Sparkline } from "../components/sparkline";
import { DataTable } from "../components/data-table";
import { fmtCount, fmtDuration, fmtRate } from "../components/format";
import type { OpSummary } from "../lib/snapshot-types";

export default function OverviewPage() {
  const { snapshot: s } = useSnapshot("overview");
  if (!s) return <Empty>Loading the network…</Empty>;
  const up = s.peers.filter((p) => p.status === "up").length;
  const suspect = s.peers.filter((p) => p.status === "suspect").length;
  const down = s.peers.length - up - suspect;
  const r = s.replication;
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold text-slate-100">Overview</h1>
        <p className="text-sm text-slate-400">Every record lives on the {r.replicationFactor} peers whose IDs are XOR-closest to the SHA-256 of its key.</p>
      </div>
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-5">
        <Stat label="Peers up" testId="stat-peers" value={<>{up}<span className="text-base text-slate-500"> / {s.peers.length}</span></>}
          tone={down || suspect ? "warn" : "good"} sub={down || suspect ? [down && `${down} down`, suspect && `${suspect} suspect (missed the last poll)`].filter(Boolean).join(" · ") : "all answering"} />
        <Stat label="Records" testId="stat-records" value={fmtCount(r.records)} sub={`${r.tombstones} tombstones${r.capped ? " · lower bound (capped)" : ""}`} />
        <Stat label="Replication" testId="stat-replication" value={r.verdict} tone={verdictTone(r.verdict)}
          sub={<span data-testid="replication-counts">{r.underReplicated} under-replicated · {r.unavailable} unavailable</span>} />
        <Stat label="Operations / s" value={fmtRate(s.opsPerSec)} sub={<Sparkline values={s.opsHistory.map((h) => h.opsPerSec)} />} />
        <Stat label="Snapshot" value={`${s.buildMs} ms`} tone="muted"
          sub={s.fleet.configured ? (s.fleet.ok ? "via fleet controller + crawl" : `controller: ${s.fleet.error}`) : "routing-table crawl"} />
      </div>
      {(r.misplaced > 0 || r.stale > 0 || s.peersCapped) && (
        <div className="flex flex-wrap gap-4 text-xs text-slate-400">
          {r.misplaced > 0 && <span>{r.misplaced} records held outside their R closest peers (hand-off pending)</span>}
          {r.stale > 0 && <span>{r.stale} records with replicas at different versions (repair pending)</span>}
          {s.peersCapped && <span className="text-amber-400">more peers discovered than the dashboard tracks</span>}
        </div>
      )}
      <div className="grid gap-6">
        <Card title="Peers">
          <PeersTable peers={s.peers} />
        </Card>
        <Card title={<>Operations and latency{s.opsFromDownPeers > 0 && (
          <span className="ml-2 text-xs font-normal text-amber-300" data-testid="ops-down-note">
            counts include the last known counters of {s.opsFromDownPeers} down {s.opsFromDownPeers === 1 ? "peer" : "peers"}
          </span>)}</>}>
          <DataTable<OpSummary> rows={s.ops} rowTestId="op-row" rowAttrs={(o) => ({ "data-op": o.name, "data-count": String(o.count) })} rowKey={(o) => o.name} empty="No operations yet" initialSort={{ key: "count", dir: -1 }}
            columns={[
              { key: "name", header: "Op", render: (o) => <span className="font-medium">{o.name}</span>, sort: (o) => o.name },
              { key: "rate", header: "/s", align: "right", render: (o) => fmtRate(o.opsPerSec), sort: (o) => o.opsPerSec },
              { key: "count", header: "Count", align: "right", render: (o) => fmtCount(o.count), sort: (o) => o.count },
              { key: "errors", header: "Err", align: "right", render: (o) => <span className={o.errors ? "text-rose-300" : ""}>{fmtCount(o.errors)}</span>, sort: (o) => o.errors },
              { key: "p50", header: "p50", align: "right", render: (o) => (o.count ? fmtDuration(o.p50Ms) : "–"), sort: (o) => o.p50Ms },
              { key: "p99", header: "p99", align: "right", render: (o) => (o.count ? fmtDuration(o.p99Ms) : "–"), sort: (o) => o.p99Ms },
            ]} />
        </Card>
      </div>
    </div>
  );
}
