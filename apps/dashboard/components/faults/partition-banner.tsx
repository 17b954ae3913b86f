"use client";
/**
 * The partition in force as the topology and ring pages show it: one colour per side, the
 * banner naming the sides (and paused peers) with a link to heal on the Fleet page.
 */
import Link from "next/link";
import { partitionLayout, type PartitionLayout } from "../../lib/partition-sides";
import type { PeerView } from "../../lib/snapshot-types";

/** Side colours: A and B as in the Fleet page's partition builder (sky, fuchsia), then more. */
const SIDE_COLORS = ["#38bdf8", "#e879f9", "#fbbf24", "#a3e635", "#fb923c", "#2dd4bf"] as const;

export const sideColor = (i: number): string => SIDE_COLORS[i % SIDE_COLORS.length]!;
export const sideLetter = (i: number): string => String.fromCharCode(65 + (i % 26));
/** Colour of a link the partition cuts, and of paused peers. */
export const cutColor = "#f43f5e";
export const pausedColor = "#fbbf24";

/** The partition among the controller's running peers (empty without a controller). */
export function partitionOfPeers(peers: readonly PeerView[]): PartitionLayout {
  return partitionLayout(peers.filter((p): p is PeerView & { name: string } => !!p.name)
    .map((p) => ({ name: p.name, running: p.fleetState === "running", partitionedFrom: p.faults?.partitionedFrom ?? [] })));
}

/** Peers the controller has SIGSTOPped, by name. */
export function pausedPeers(peers: readonly PeerView[]): string[] {
  return peers.filter((p) => p.name && p.faults?.paused).map((p) => p.name!);
}

/** Nothing when no partition is in force and no peer is paused. */
export function PartitionBanner({ partition, paused }: { partition: PartitionLayout; paused: readonly string[] }) {
  if (partition.cuts.length === 0 && paused.length === 0) return null;
  const split = partition.sides.length > 1;
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-1.5 rounded-xl border border-rose-500/40 bg-rose-950/30 px-4 py-2.5 text-sm" data-testid="partition-banner">
      {partition.cuts.length > 0 && (
        <span className="flex flex-wrap items-center gap-x-2 gap-y-1">
          <span className="font-semibold text-rose-200">{split ? "Partitioned:" : "Links cut:"}</span>
          {split ? (
            <span className="flex flex-wrap items-center gap-x-2 text-slate-100" data-testid="partition-sides">
              {partition.sides.map((side, i) => (
                <span key={i} className="flex items-center gap-2">
                  {i > 0 && <span className="text-rose-300">|</span>}
                  <span className="flex items-center gap-1.5" data-testid="partition-side" data-side={sideLetter(i)}>
                    <span className="inline-block h-2.5 w-2.5 rounded-full" style={{ background: sideColor(i) }} title={`side ${sideLetter(i)}`} />
                    {side.join(", ")}
                  </span>
                </span>
              ))}
            </span>
          ) : (
            <span className="text-slate-100">{partition.cuts.map(([a, b]) => `${a} ✕ ${b}`).join(", ")}</span>
          )}
          {split && partition.bridges.length > 0 && <span className="text-xs text-slate-400">(reaching every side: {partition.bridges.join(", ")})</span>}
        </span>
      )}
      {paused.length > 0 && (
        <span className="flex items-center gap-1.5 text-amber-200" data-testid="paused-peers">
          <PauseIcon /> Paused: {paused.join(", ")}
        </span>
      )}
      <Link href="/fleet#faults" className="ml-auto text-indigo-300 hover:text-indigo-200" data-testid="heal-link">Heal on the Fleet page →</Link>
    </div>
  );
}

function PauseIcon() {
  return (
    <svg viewBox="0 0 10 10" className="h-3 w-3" aria-hidden><rect x="1.5" y="1" width="2.5" height="8" fill="currentColor" /><rect x="6" y="1" width="2.5" height="8" fill="currentColor" /></svg>
  );
}
