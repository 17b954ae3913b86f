"use client";
import { useState } from "react";
import { useSnapshot } from "../../components/use-snapshot";
import { Card, Empty, stateColor } from "../../components/ui";
import { TopologyGraph } from "../../components/topology-graph";
import { PeerSummary } from "../../components/peer-summary";
import { LinkModeToggle, type LinkMode } from "../../components/link-mode-toggle";
import { useLargeFleetThreshold } from "../../components/use-large-fleet";
import { cutColor, PartitionBanner, partitionOfPeers, pausedColor, pausedPeers } from "../../components/faults/partition-banner";

export default function TopologyPage() {
  const { snapshot: s } = useSnapshot("topology");
  const [selected, setSelected] = useState<string>();
  const [chosenMode, setMode] = useState<LinkMode>();
  const largeAt = useLargeFleetThreshold();
  if (!s) return <Empty>Loading the network…</Empty>;
  const large = s.peers.length >= largeAt;
  // A large fleet starts with the selected peer's links only; the user's choice then sticks.
  const mode: LinkMode = chosenMode ?? (large ? "selected" : "all");
  const peer = s.peers.find((p) => p.key === selected);
  const edges = s.peers.reduce((a, p) => a + p.links.length, 0);
  const partition = partitionOfPeers(s.peers);
  const paused = pausedPeers(s.peers);
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold text-slate-100">Topology</h1>
          <p className="text-sm text-slate-400">An arrow A → B means B is in A&apos;s routing table. {s.peers.length} peers, {edges} links.</p>
        </div>
        <LinkModeToggle mode={mode} onChange={setMode} large={large} selectedName={peer ? peer.name ?? peer.id.slice(0, 8) : undefined} />
        <div className="flex gap-4 text-xs text-slate-400">
          <span className="flex items-center gap-1.5"><span className="h-2.5 w-2.5 rounded-full" style={{ background: stateColor.up }} />up</span>
          <span className="flex items-center gap-1.5"><span className="h-2.5 w-2.5 rounded-full" style={{ background: stateColor.suspect }} />suspect</span>
          <span className="flex items-center gap-1.5"><span className="h-2.5 w-2.5 rounded-full border-2" style={{ borderColor: stateColor.down }} />down</span>
          <span className="flex items-center gap-1.5"><span className="h-0.5 w-5 border-t border-dashed" style={{ borderColor: stateColor.down }} />link to a down peer</span>
          {partition.cuts.length > 0 && <span className="flex items-center gap-1.5"><span className="h-0.5 w-5 border-t-2 border-dotted" style={{ borderColor: cutColor }} />link cut by the partition</span>}
          {paused.length > 0 && <span className="flex items-center gap-1.5"><span className="h-2.5 w-2.5 rounded-full border-2 border-dashed" style={{ borderColor: pausedColor }} />paused</span>}
        </div>
      </div>
      <PartitionBanner partition={partition} paused={paused} />
      <div className="grid gap-4 xl:grid-cols-[1fr_320px]">
        <Card className="h-[72vh] min-h-[520px]">
          <div className="h-[calc(72vh-2rem)] min-h-[488px]">
            {s.peers.length ? <TopologyGraph peers={s.peers} selected={selected} onSelect={setSelected} partition={partition} onlySelectedLinks={mode === "selected"} /> : <Empty>No peers yet</Empty>}
          </div>
        </Card>
        <Card title="Selection">{peer ? <PeerSummary peer={peer} /> : <Empty>Click a peer</Empty>}</Card>
      </div>
    </div>
  );
}
