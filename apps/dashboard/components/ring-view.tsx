"use client";
/**
 * The 256-bit ID ring: peers at their positions, the stretch of the ring each live peer is
 * XOR-closest to (its ownership, drawn as a coloured band), records as points linked to the
 * peers that hold them, and optionally a lookup trace. With many records, records are
 * drawn as aggregated bars per stretch of the ring (problem records still individually).
 * While a partition is in force, each peer wears its side's colour and letter; a paused peer
 * a pause mark.
 */
import { useMemo, useState } from "react";
import type { PeerView, RecordView, Snapshot } from "../lib/snapshot-types";
import { ringFraction } from "../lib/ids";
import { sideIndex, type PartitionLayout } from "../lib/partition-sides";
import { hueOf } from "./format";
import { minLabelGap, visibleLabels } from "../lib/ring-labels";
import { RING_DETAILED_MAX } from "../lib/snapshot-slice";
import { stateColor } from "./ui";
import { pausedColor, sideColor, sideLetter } from "./faults/partition-banner";

export type RingSelection = { kind: "peer"; key: string } | { kind: "record"; key: string } | undefined;

export interface RingTrace {
  /** Ring position looked up (hex). */
  target: string;
  /** The coordinating peer's ID. */
  via: string;
  /** Requests in the order sent; error "canceled" = no longer needed when it was cut short. */
  steps: { id: string; ok: boolean; error?: string }[];
  /** Replica holders of the result. */
  holders: string[];
}

/** Above this many records (or when the snapshot is capped), records are drawn as bins. */
const DETAILED_MAX = RING_DETAILED_MAX;
const R_PEER = 280, R_BAND_IN = 291, R_BAND_OUT = 307, R_LABEL = 318, R_RECORD = 228, R_BIN = 150, BIN_MAX = 68;

const angle = (f: number) => f * 2 * Math.PI - Math.PI / 2;
const pt = (f: number, r: number): [number, number] => [r * Math.cos(angle(f)), r * Math.sin(angle(f))];

function arcPath(s: number, e: number, r1: number, r2: number): string {
  if (e - s >= 0.999999) return `${arcPath(0, 0.5, r1, r2)} ${arcPath(0.5, 1, r1, r2)}`;
  const large = e - s > 0.5 ? 1 : 0;
  const [a, b] = pt(s, r2), [c, d] = pt(e, r2), [g, h] = pt(e, r1), [i, j] = pt(s, r1);
  return `M${a},${b} A${r2},${r2} 0 ${large} 1 ${c},${d} L${g},${h} A${r1},${r1} 0 ${large} 0 ${i},${j} Z`;
}

function peerLabel(p: PeerView): string {
  return p.name ?? (p.id ? p.id.slice(0, 8) : p.httpAddress);
}

export function RingView({ snapshot, selection, onSelect, trace, showLabels = true, labelScale = 1, partition }: {
  snapshot: Snapshot;
  selection?: RingSelection;
  onSelect?: (s: RingSelection) => void;
  trace?: RingTrace;
  showLabels?: boolean;
  /** Larger labels for a small rendering of the ring. */
  labelScale?: number;
  /** The partition in force (lib/partition-sides): peers are marked with their side. */
  partition?: PartitionLayout;
}) {
  const split = !!partition && partition.sides.length > 1;
  const peers = snapshot.peers.filter((p) => p.id);
  const byId = useMemo(() => new Map(peers.map((p) => [p.id, p])), [peers]);
  const hueById = useMemo(() => new Map(peers.map((p) => [p.id, hueOf(p.position)])), [peers]);
  const totalRecords = snapshot.replication.records + snapshot.replication.tombstones;
  const detailed = totalRecords <= DETAILED_MAX && snapshot.records.length === totalRecords;
  const drawn: RecordView[] = detailed ? snapshot.records : snapshot.records.filter((r) => r.status !== "healthy");
  const selectedRecord = selection?.kind === "record" ? snapshot.records.find((r) => r.key === selection.key) : undefined;
  const selectedPeer = selection?.kind === "peer" ? peers.find((p) => p.key === selection.key) : undefined;
  const maxBin = Math.max(1, ...snapshot.ringBins.map((b) => b.count));
  const [hovered, setHovered] = useState<string>();
  const labelPx = (peers.length > 40 ? 9 : 12) * (peers.length > 40 ? 1 : labelScale);
  // The hovered and selected peers' labels are placed first; colliding neighbours give way.
  const pinned = [hovered, selectedPeer?.key].map((k) => peers.findIndex((p) => p.key === k));
  const labelShown = visibleLabels(peers.map((p) => p.position), minLabelGap(labelPx, R_LABEL), pinned);

  const links = (r: RecordView, strong: boolean) => r.holders.map((h) => {
    const p = byId.get(h);
    if (!p) return null;
    const [x1, y1] = pt(r.pos, R_RECORD), [x2, y2] = pt(p.position, R_PEER);
    const color = r.status === "healthy" ? "#64748b" : stateColor[r.status];
    return <line key={`${r.key}-${h}`} x1={x1} y1={y1} x2={x2} y2={y2} stroke={strong ? "#e2e8f0" : color} strokeOpacity={strong ? 0.9 : 0.35} strokeWidth={strong ? 1.6 : 0.8} />;
  });

  return (
    <svg viewBox="-420 -420 840 840" className="h-full w-full select-none" role="img" aria-label="ID ring" data-testid="ring">
      <circle r={R_PEER} fill="none" stroke="#1e293b" strokeWidth={1} />
      <circle r={R_RECORD} fill="none" stroke="#1e293b" strokeDasharray="2 4" />
      {/* 0, ¼, ½, ¾ of the ID space */}
      {[0, 0.25, 0.5, 0.75].map((f) => {
        const [x, y] = pt(f, R_BIN - 18);
        return <text key={f} x={x} y={y} fill="#475569" fontSize={11} textAnchor="middle" dominantBaseline="middle">{["0x00…", "0x40…", "0x80…", "0xc0…"][f * 4]}</text>;
      })}

      {/* Ownership: the ring positions each live peer is XOR-closest to */}
      <g data-testid="ring-ownership">
        {snapshot.ring.map((s, i) => (
          <path key={i} d={arcPath(s.start, s.end, R_BAND_IN, R_BAND_OUT)} fill={`hsl(${hueById.get(s.owner) ?? 0} 65% 55%)`}
            fillOpacity={selectedPeer && selectedPeer.id !== s.owner ? 0.18 : 0.85} stroke="#020617" strokeWidth={0.5}
            onClick={() => { const p = byId.get(s.owner); if (p) onSelect?.({ kind: "peer", key: p.key }); }} className="cursor-pointer">
            <title>{`${peerLabel(byId.get(s.owner) ?? ({ id: s.owner } as PeerView))} owns ${((s.end - s.start) * 100).toFixed(2)}% here`}</title>
          </path>
        ))}
      </g>

      {/* Aggregated record density per stretch of the ring */}
      {!detailed && (
        <g data-testid="ring-bins">
          {snapshot.ringBins.map((b, i) => {
            if (!b.count) return null;
            const s = i / snapshot.ringBins.length, e = (i + 1) / snapshot.ringBins.length;
            const len = (b.count / maxBin) * BIN_MAX;
            // Problem records stacked from the inside in the legend's colours: unavailable, then under-replicated.
            const gone = b.unavailable ? Math.max(2, (b.unavailable / b.count) * len) : 0;
            const under = b.under ? Math.max(2, (b.under / b.count) * len) : 0;
            const title = `${b.count} records, ${b.under} under-replicated, ${b.unavailable} unavailable`;
            return (
              <g key={i}>
                <path d={arcPath(s + 0.0008, e - 0.0008, R_BIN, R_BIN + len)} fill={stateColor.healthy} fillOpacity={0.45}><title>{title}</title></path>
                {gone > 0 && <path d={arcPath(s + 0.0008, e - 0.0008, R_BIN, R_BIN + gone)} fill={stateColor.unavailable} data-testid="ring-bin-problem" data-status="unavailable"><title>{title}</title></path>}
                {under > 0 && <path d={arcPath(s + 0.0008, e - 0.0008, R_BIN + gone, R_BIN + gone + under)} fill={stateColor.under} data-testid="ring-bin-problem" data-status="under"><title>{title}</title></path>}
              </g>
            );
          })}
        </g>
      )}

      {/* Record → holder links: all of them when few, else problem records only */}
      <g>{drawn.map((r) => (selectedRecord?.key === r.key ? null : links(r, false)))}</g>
      {selectedRecord && <g>{links(selectedRecord, true)}</g>}
      {selectedPeer && (
        <g>{drawn.filter((r) => r.holders.includes(selectedPeer.id)).map((r) => links(r, true))}</g>
      )}

      {/* Records */}
      <g>
        {drawn.map((r) => {
          const [x, y] = pt(r.pos, R_RECORD);
          const sel = selectedRecord?.key === r.key;
          const color = r.tombstone ? "#64748b" : r.status === "healthy" ? stateColor.healthy : stateColor[r.status];
          return (
            <circle key={r.key} cx={x} cy={y} r={sel ? 7 : r.status === "healthy" ? 4 : 5.5} fill={color} stroke={sel ? "#fff" : "#020617"} strokeWidth={sel ? 2 : 1}
              className="cursor-pointer" data-testid="ring-record" data-key={r.key} data-status={r.status} onClick={() => onSelect?.({ kind: "record", key: r.key })}>
              <title>{`${r.key} · ${r.holders.length} live holders · ${r.status}`}</title>
            </circle>
          );
        })}
      </g>

      {/* Lookup trace: coordinator → each peer contacted, numbered in the order sent */}
      {trace && <TraceOverlay trace={trace} byId={byId} scale={labelScale} />}

      {/* Peers */}
      <g>
        {peers.map((p, i) => {
          const [x, y] = pt(p.position, R_PEER);
          const up = p.status !== "down";
          const sel = selectedPeer?.key === p.key;
          const deg = p.position * 360 - 90;
          const flip = deg > 90 && deg < 270;
          const [lx, ly] = pt(p.position, R_LABEL);
          const side = split ? sideIndex(partition, p.name) : -1;
          const paused = !!p.faults?.paused;
          // Inside the ring, towards the centre: the side's letter.
          const [sx, sy] = pt(p.position, R_PEER - 22);
          return (
            <g key={p.key} data-testid="ring-peer" data-id={p.id} data-name={p.name ?? ""} data-status={p.status} data-side={side >= 0 ? sideLetter(side) : ""} data-paused={String(paused)}
              data-label={String(showLabels && labelShown[i])} data-pos={p.position}
              className="cursor-pointer" onClick={() => onSelect?.({ kind: "peer", key: p.key })}
              onMouseEnter={() => setHovered(p.key)} onMouseLeave={() => setHovered((h) => (h === p.key ? undefined : h))}>
              {side >= 0 && (
                <>
                  <circle cx={x} cy={y} r={12} fill={sideColor(side)} fillOpacity={0.18} stroke={sideColor(side)} strokeWidth={2.5} />
                  <text x={sx} y={sy} fontSize={12 * labelScale} fontWeight={700} fill={sideColor(side)} textAnchor="middle" dominantBaseline="central">{sideLetter(side)}</text>
                </>
              )}
              {sel && <circle cx={x} cy={y} r={side >= 0 ? 16 : 12} fill="none" stroke="#e2e8f0" strokeWidth={1.5} />}
              <circle cx={x} cy={y} r={7} fill={paused ? "#1c1405" : up ? `hsl(${hueOf(p.position)} 65% 55%)` : "#020617"} stroke={paused ? pausedColor : p.status === "up" ? "#020617" : stateColor[p.status]} strokeWidth={p.status === "up" && !paused ? 1.5 : 2.5} />
              {paused ? <path d={`M${x - 2.2},${y - 3.5} V${y + 3.5} M${x + 2.2},${y - 3.5} V${y + 3.5}`} stroke={pausedColor} strokeWidth={1.8} data-testid="ring-paused" />
                : !up && <path d={`M${x - 3.5},${y - 3.5} L${x + 3.5},${y + 3.5} M${x + 3.5},${y - 3.5} L${x - 3.5},${y + 3.5}`} stroke={stateColor.down} strokeWidth={1.8} />}
              {showLabels && labelShown[i] && (
                <text x={lx} y={ly} fontSize={labelPx} fill={side >= 0 ? sideColor(side) : up ? "#cbd5e1" : "#fb7185"} dominantBaseline="middle" data-testid="ring-label"
                  fontWeight={pinned.includes(i) ? 700 : 400} stroke="#020617" strokeWidth={pinned.includes(i) ? 3 : 0} paintOrder="stroke"
                  textAnchor={flip ? "end" : "start"} transform={`rotate(${flip ? deg + 180 : deg} ${lx} ${ly})`}>
                  {peerLabel(p)}{paused ? " ⏸" : up ? "" : " ✕"}
                </text>
              )}
              <title>{`${peerLabel(p)} · ${p.id}\n${p.status}${paused ? " (paused)" : ""}${side >= 0 ? ` · side ${sideLetter(side)}` : ""}${p.ownedFraction ? ` · owns ${(p.ownedFraction * 100).toFixed(1)}% of the ring` : ""}`}</title>
            </g>
          );
        })}
      </g>
      <text x={0} y={-8} textAnchor="middle" fill="#e2e8f0" fontSize={28} fontWeight={600}>{peers.filter((p) => p.status !== "down").length}<tspan fill="#64748b" fontSize={18}> / {peers.length}</tspan></text>
      <text x={0} y={18} textAnchor="middle" fill="#64748b" fontSize={12}>peers up · {snapshot.replication.records} records</text>
      {!detailed && totalRecords > 0 && <text x={0} y={36} textAnchor="middle" fill="#475569" fontSize={10}>records aggregated per 1/{snapshot.ringBins.length} of the ring</text>}
    </svg>
  );
}

function TraceOverlay({ trace, byId, scale }: { trace: RingTrace; byId: Map<string, PeerView>; scale: number }) {
  const via = byId.get(trace.via);
  const f = ringFraction(trace.target);
  const [tx, ty] = pt(f, R_RECORD);
  const [ox, oy] = via ? pt(via.position, R_PEER) : [0, 0];
  const order = new Map<string, number>();
  trace.steps.forEach((s, i) => { if (!order.has(s.id)) order.set(s.id, i + 1); });
  return (
    <g data-testid="ring-trace">
      {trace.holders.map((h) => {
        const p = byId.get(h);
        if (!p) return null;
        const [x, y] = pt(p.position, R_PEER);
        return <line key={`h-${h}`} x1={tx} y1={ty} x2={x} y2={y} stroke="#34d399" strokeWidth={2} strokeOpacity={0.8} />;
      })}
      {trace.steps.map((s, i) => {
        const p = byId.get(s.id);
        if (!p) return null;
        const [x, y] = pt(p.position, R_PEER);
        return <line key={`s-${i}`} x1={ox} y1={oy} x2={x} y2={y} stroke={s.ok ? "#fbbf24" : s.error === "canceled" ? "#64748b" : "#f43f5e"} strokeWidth={1.5} strokeDasharray={s.ok ? undefined : "4 3"} strokeOpacity={0.85} />;
      })}
      {[...order].map(([id, n]) => {
        const p = byId.get(id);
        if (!p) return null;
        const [x, y] = pt(p.position, R_PEER - 14 - 9 * scale);
        return (
          <g key={`n-${id}`}>
            <circle cx={x} cy={y} r={9 * scale} fill="#fbbf24" />
            <text x={x} y={y} fontSize={10 * scale} fontWeight={700} fill="#020617" textAnchor="middle" dominantBaseline="central">{n}</text>
          </g>
        );
      })}
      <path d={`M${tx},${ty - 9} l7,12 l-14,0 Z`} fill="#f8fafc" stroke="#020617" />
      <text x={tx} y={ty + 10 + 9 * scale} fontSize={11 * scale} fill="#f8fafc" textAnchor="middle">target</text>
      {via && <circle cx={ox} cy={oy} r={12} fill="none" stroke="#fbbf24" strokeWidth={2} />}
    </g>
  );
}
