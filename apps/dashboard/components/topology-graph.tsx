"use client";
/**
 * Peers and their routing-table links (directed: A → B means B is in A's k-buckets), laid
 * out by d3-force. The layout is computed synchronously (a fixed number of ticks) whenever
 * the set of peers or links changes, starting from the previous positions so the picture
 * does not jump around on every poll. While a partition is in force each side is pulled
 * towards its own anchor, peers take their side's colour, and links the partition cuts are
 * drawn dotted red with a cross (they are still in the routing tables, but unreachable).
 */
import { useMemo, useRef } from "react";
import { forceCenter, forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY, type SimulationLinkDatum, type SimulationNodeDatum } from "d3-force";
import type { PeerView } from "../lib/snapshot-types";
import { isCut, sideIndex, type PartitionLayout } from "../lib/partition-sides";
import { stateColor } from "./ui";
import { cutColor, pausedColor, sideColor, sideLetter } from "./faults/partition-banner";

interface Node extends SimulationNodeDatum { id: string; peer: PeerView }
interface Link extends SimulationLinkDatum<Node> { source: string | Node; target: string | Node; mutual: boolean; cut: boolean }

const NODE_R = 11;
const NO_PARTITION: PartitionLayout = { sides: [], bridges: [], cuts: [] };

/** Where side `i` of `k` is pulled to: around a circle, side A on the left. */
function anchor(i: number, k: number): { x: number; y: number } {
  if (i < 0 || k < 2) return { x: 0, y: 0 };
  const a = Math.PI + (2 * Math.PI * i) / k;
  return { x: Math.cos(a) * 190, y: Math.sin(a) * 150 };
}

/** Outline of a peer by its state only, as in the legend (identity colours live on the ring). */
const outline = { up: "#475569", suspect: stateColor.suspect, down: stateColor.down } as const;

export function TopologyGraph({ peers, selected, onSelect, partition = NO_PARTITION, onlySelectedLinks = false }: {
  peers: PeerView[];
  selected?: string;
  onSelect?: (key: string) => void;
  /** Draw only the selected peer's links (in and out): the whole mesh of a large fleet is a hairball. */
  onlySelectedLinks?: boolean;
  /** The partition in force (lib/partition-sides), when the controller reports one. */
  partition?: PartitionLayout;
}) {
  const positions = useRef(new Map<string, { x: number; y: number }>());
  const sides = useRef(new Map<string, number>());
  const known = peers.filter((p) => p.id);
  const ids = new Set(known.map((p) => p.id));
  const edges = known.flatMap((p) => p.links.filter((l) => ids.has(l) && l !== p.id).map((l) => [p.id, l] as const));
  const nameById = new Map(known.map((p) => [p.id, p.name]));
  const split = partition.sides.length > 1;
  const sideOf = (p: PeerView) => (split ? sideIndex(partition, p.name) : -1);
  const cutEdge = (a: string, b: string) => isCut(partition, nameById.get(a), nameById.get(b));
  const signature = known.map((p) => `${p.id}:${sideOf(p)}`).sort().join(",") + "|" + edges.map((e) => `${e.join(">")}${cutEdge(e[0], e[1]) ? "x" : ""}`).sort().join(",");

  const layout = useMemo(() => {
    const edgeSet = new Set(edges.map(([a, b]) => `${a}>${b}`));
    const nodes: Node[] = known.map((p, i) => {
      const prev = positions.current.get(p.id);
      // New peers start near their ring position so the first layout is stable too.
      const a = p.position * 2 * Math.PI;
      return { id: p.id, peer: p, x: prev?.x ?? Math.cos(a) * 200 + i * 0.01, y: prev?.y ?? Math.sin(a) * 200 };
    });
    const links: Link[] = edges.map(([a, b]) => ({ source: a, target: b, mutual: edgeSet.has(`${b}>${a}`), cut: cutEdge(a, b) }));
    const k = split ? partition.sides.length : 0;
    const at = (n: Node) => anchor(sideOf(n.peer), k);
    const sim = forceSimulation(nodes)
      // A cut link does not hold its ends together: the sides drift apart.
      .force("link", forceLink<Node, Link>(links).id((d) => d.id).distance(120).strength((l) => (l.cut ? 0 : 0.08)))
      .force("charge", forceManyBody().strength(k ? -260 : -420))
      .force("collide", forceCollide(NODE_R * 3))
      .force("x", forceX<Node>((n) => at(n).x).strength(k ? 0.3 : 0.04))
      .force("y", forceY<Node>((n) => at(n).y).strength(k ? 0.3 : 0.04))
      .stop();
    if (!k) sim.force("center", forceCenter(0, 0));
    const warm = nodes.every((n) => positions.current.has(n.id));
    // A partition starting or ending moves peers far: lay out again from hot.
    const moved = nodes.some((n) => positions.current.has(n.id) && sides.current.get(n.id) !== sideOf(n.peer));
    sim.alpha(warm && !moved ? 0.15 : 1);
    for (let i = 0; i < (warm && !moved ? 60 : 300); i++) sim.tick();
    for (const n of nodes) sides.current.set(n.id, sideOf(n.peer));
    for (const n of nodes) positions.current.set(n.id, { x: n.x!, y: n.y! });
    return { nodes, links };
    // The signature captures everything the layout depends on.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [signature]);

  const current = new Map(peers.map((p) => [p.id, p]));
  const xs = layout.nodes.map((n) => n.x!), ys = layout.nodes.map((n) => n.y!);
  const pad = 70;
  const minX = Math.min(-100, ...xs) - pad, maxX = Math.max(100, ...xs) + pad, minY = Math.min(-100, ...ys) - pad, maxY = Math.max(100, ...ys) + pad;

  return (
    <svg viewBox={`${minX} ${minY} ${maxX - minX} ${maxY - minY}`} className="h-full w-full" data-testid="topology" role="img" aria-label="Topology">
      <defs>
        {(["edge", "edge-down", "edge-sel"] as const).map((id) => (
          <marker key={id} id={id} viewBox="0 0 10 10" refX={10} refY={5} markerWidth={7} markerHeight={7} orient="auto-start-reverse">
            <path d="M0,1 L10,5 L0,9 z" fill={id === "edge" ? "#475569" : id === "edge-down" ? "#9f1239" : "#a5b4fc"} />
          </marker>
        ))}
      </defs>
      <g>
        {layout.links.map((l, i) => {
          const s = l.source as Node, t = l.target as Node;
          if (onlySelectedLinks && s.peer.key !== selected && t.peer.key !== selected) return null;
          const dx = t.x! - s.x!, dy = t.y! - s.y!, len = Math.hypot(dx, dy) || 1;
          const ux = dx / len, uy = dy / len;
          // A cut pair is drawn once, straight: which way the table entry points no longer matters.
          if (l.cut && l.mutual && s.id > t.id) return null;
          // Mutual links bend apart so both directions stay visible.
          const bend = l.mutual && !l.cut ? 14 : 0;
          const x1 = s.x! + ux * NODE_R, y1 = s.y! + uy * NODE_R, x2 = t.x! - ux * (NODE_R + 2), y2 = t.y! - uy * (NODE_R + 2);
          const mx = (x1 + x2) / 2 - uy * bend, my = (y1 + y2) / 2 + ux * bend;
          const down = current.get(t.id)?.status === "down";
          const sel = selected === s.peer.key || (onlySelectedLinks && selected === t.peer.key);
          if (l.cut) {
            // The curve's midpoint (quadratic Bézier at t = ½) carries the cross.
            const cx = (x1 + 2 * mx + x2) / 4, cy = (y1 + 2 * my + y2) / 4;
            return (
              <g key={i} data-testid="topo-edge" data-cut="true">
                <path d={`M${x1},${y1} Q${mx},${my} ${x2},${y2}`} fill="none" stroke={cutColor} strokeOpacity={sel ? 0.9 : 0.45} strokeWidth={sel ? 1.4 : 1} strokeDasharray="1.5 4" />
                <path d={`M${cx - 3},${cy - 3} L${cx + 3},${cy + 3} M${cx + 3},${cy - 3} L${cx - 3},${cy + 3}`} stroke={cutColor} strokeOpacity={sel ? 1 : 0.7} strokeWidth={1.4} />
              </g>
            );
          }
          return (
            <path key={i} d={`M${x1},${y1} Q${mx},${my} ${x2},${y2}`} fill="none" data-testid="topo-edge" data-cut="false"
              stroke={sel ? "#a5b4fc" : down ? "#9f1239" : "#334155"} strokeOpacity={sel ? 0.95 : 0.7} strokeWidth={sel ? 1.6 : 1}
              strokeDasharray={down ? "4 3" : undefined} markerEnd={`url(#${sel ? "edge-sel" : down ? "edge-down" : "edge"})`} />
          );
        })}
      </g>
      <g>
        {layout.nodes.map((n) => {
          const p = current.get(n.id) ?? n.peer;
          const up = p.status !== "down";
          const label = p.name ?? p.id.slice(0, 8);
          const side = sideOf(p);
          const paused = !!p.faults?.paused;
          const ring = paused ? pausedColor : side >= 0 ? sideColor(side) : outline[p.status];
          return (
            <g key={n.id} transform={`translate(${n.x},${n.y})`} className="cursor-pointer" onClick={() => onSelect?.(p.key)}
              data-testid="topo-node" data-outline={ring} data-id={p.id} data-name={p.name ?? ""} data-status={p.status} data-side={side >= 0 ? sideLetter(side) : ""} data-paused={String(paused)}>
              {side >= 0 && <circle r={NODE_R + 7} fill={sideColor(side)} fillOpacity={0.16} stroke={sideColor(side)} strokeOpacity={0.5} />}
              {selected === p.key && <circle r={NODE_R + 5} fill="none" stroke="#a5b4fc" strokeWidth={2} />}
              <circle r={NODE_R} fill={paused ? "#1c1405" : p.status === "up" ? stateColor.up : p.status === "suspect" ? stateColor.suspect : "#1f0a10"} stroke={ring} strokeWidth={3}
                strokeDasharray={paused ? "3 2" : undefined} />
              {paused ? <path d="M-3.5,-5 V5 M3.5,-5 V5" stroke={pausedColor} strokeWidth={2.5} data-testid="topo-paused" />
                : !up && <path d="M-4,-4 L4,4 M4,-4 L-4,4" stroke={stateColor.down} strokeWidth={2} />}
              {side >= 0 && (
                <text x={NODE_R + 4} y={-NODE_R - 2} fontSize={10} fontWeight={700} fill={sideColor(side)} stroke="#020617" strokeWidth={3} paintOrder="stroke">{sideLetter(side)}</text>
              )}
              <text y={NODE_R + 14 + (side >= 0 ? 4 : 0)} textAnchor="middle" fontSize={12} fontWeight={600} fill={up ? "#e2e8f0" : "#fb7185"} stroke="#020617" strokeWidth={3} paintOrder="stroke">{label}</text>
              <text y={NODE_R + 27 + (side >= 0 ? 4 : 0)} textAnchor="middle" fontSize={9.5} fill={paused ? pausedColor : "#64748b"} stroke="#020617" strokeWidth={3} paintOrder="stroke">{paused ? "paused" : p.name ? p.id.slice(0, 8) : p.httpAddress}</text>
              <title>{`${label} · ${p.id}\n${p.status}${paused ? " (paused)" : ""}${side >= 0 ? ` · side ${sideLetter(side)}` : ""} · ${p.links.length} contacts`}</title>
            </g>
          );
        })}
      </g>
    </svg>
  );
}
