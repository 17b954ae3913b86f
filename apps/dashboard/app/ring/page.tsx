"use client";
import { useState } from "react";
import { useSnapshot } from "../../components/use-snapshot";
import { Badge, Card, Empty, IdChip, stateColor } from "../../components/ui";
import { RingView, type RingSelection } from "../../components/ring-view";
import { PeerSummary, RecordSummary } from "../../components/peer-summary";
import { DataTable } from "../../components/data-table";
import type { RecordView } from "../../lib/snapshot-types";
import { PartitionBanner, partitionOfPeers, pausedPeers } from "../../components/faults/partition-banner";

export default function RingPage() {
  const { snapshot: s } = useSnapshot("ring");
  const [sel, setSel] = useState<RingSelection>();
  if (!s) return <Empty>Loading the network…</Empty>;
  const peer = sel?.kind === "peer" ? s.peers.find((p) => p.key === sel.key) : undefined;
  const record = sel?.kind === "record" ? s.records.find((r) => r.key === sel.key) : undefined;
  const problems = s.records.filter((r) => r.status !== "healthy" && !r.tombstone);
  const partition = partitionOfPeers(s.peers);
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold text-slate-100">ID ring</h1>
          <p className="max-w-3xl text-sm text-slate-400">
            Peers sit at their 256-bit IDs, clockwise from 0. The coloured band shows which live peer is XOR-closest to each
            position (a peer&apos;s share can be split where a trie branch is empty). Records sit at SHA-256(key), linked to the peers holding them.
          </p>
        </div>
        <div className="flex gap-4 text-xs text-slate-400" data-testid="ring-legend">
          <span className="flex items-center gap-1.5"><span className="h-2.5 w-2.5 rounded-full" data-status="healthy" style={{ background: stateColor.healthy }} />healthy record</span>
          <span className="flex items-center gap-1.5"><span className="h-2.5 w-2.5 rounded-full" data-status="under" style={{ background: stateColor.under }} />under-replicated</span>
          <span className="flex items-center gap-1.5"><span className="h-2.5 w-2.5 rounded-full" data-status="unavailable" style={{ background: stateColor.unavailable }} />unavailable</span>
        </div>
      </div>
      <PartitionBanner partition={partition} paused={pausedPeers(s.peers)} />
      <div className="grid gap-4 xl:grid-cols-[1fr_400px]">
        <Card>
          <div className="mx-auto aspect-square max-h-[76vh]">
            <RingView snapshot={s} selection={sel} onSelect={setSel} partition={partition} />
          </div>
        </Card>
        <div className="space-y-4">
          <Card title="Selection">
            {peer ? <PeerSummary peer={peer} /> : record ? <RecordSummary record={record} peers={s.peers} /> : <Empty>Click a peer or a record</Empty>}
          </Card>
          <Card title={<>Needs attention <Badge tone={problems.length ? "warn" : "good"}>{s.replication.underReplicated + s.replication.unavailable}</Badge>
            {problems.length < s.replication.underReplicated + s.replication.unavailable && <span className="ml-2 text-xs font-normal text-slate-500">first {problems.length} shown</span>}</>}>
            <DataTable<RecordView> rows={problems} rowKey={(r) => r.key} pageSize={8} empty="Every record has its R live holders"
              onRowClick={(r) => setSel({ kind: "record", key: r.key })} filterText={(r) => r.key} placeholder="Filter keys…"
              columns={[
                { key: "key", header: "Key", render: (r) => <span className="font-mono text-xs">{r.key.length > 18 ? `${r.key.slice(0, 18)}…` : r.key}</span>, sort: (r) => r.key },
                { key: "holders", header: "Live", align: "right", render: (r) => `${r.holders.length}/${s.replication.replicationFactor}`, sort: (r) => r.holders.length },
                { key: "pos", header: "Position", render: (r) => <IdChip id={r.position} />, sort: (r) => r.pos },
              ]} />
          </Card>
        </div>
      </div>
    </div>
  );
}
