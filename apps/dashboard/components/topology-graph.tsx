"use client";
/**
 * Peers and their routing-table links (directed: A → B means B is in A's k-buckets), laid
 * out by d3-force. The layout is computed synchronously (a fixed number of ticks) whenever
 * the set of peers or links changes, starting from the previous positions so the picture
 * does not jump around on every poll.
 */
import { useMemo, useRef } from "react";
import { forceCenter, forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY, type SimulationLinkDatum, type SimulationNodeDatum } from "d3-force";
import type { PeerView } from "../lib/snapshot-types";
import { hueOf } from "./format";
import { stateColor } from "./ui";

interface Node extends SimulationNodeDatum { id: string; peer: PeerView }
interface Link extends SimulationLinkDatum<Node> { source: string | Node; target: string | Node; mutual: boolean }

const NODE_R = 11;

export function TopologyGraph({ peers, selected, onSelect }: { peers: PeerView[]; selected?: string; onSelect?: (key: string) => void }) {
  const positions = useRef(new Map<string, { x: number; y: number }>());
  const known = peers.filter((p) => p.id);
  const ids = new Set(known.map((p) => p.id));
  const edges = known.flatMap((p) => p.links.filter((l) => ids.has(l) && l !== p.id).map((l) => [p.id, l] as const));
  const signature = known.map((p) => p.id).sort().join(",") + "|" + edges.map((e) => e.join(">")).sort().join(",");

  const layout = useMemo(() => {
    const edgeSet = new Set(edges.map(([a, b]) => `${a}>${b}`));
    const nodes: Node[] = known.map((p, i) => {
      const prev = positions.current.get(p.id);
      // New peers start near their ring position so the first layout is stable too.
      const a = p.position * 2 * Math.PI;
      return { id: p.id, peer: p, x: prev?.x ?? Math.cos(a) * 200 + i * 0.01, y: prev?.y ?? Math.sin(a) * 200 };
    });
    const links: Link[] = edges.map(([a, b]) => ({ source: a, target: b, mutual: edgeSet.has(`${b}>${a}`) }));
    const sim = forceSimulation(nodes)
      .force("link", forceLink<Node, Link>(links).id((d) => d.id).distance(120).strength(0.08))
      .force("charge", forceManyBody().strength(-420))
      .force("collide", forceCollide(NODE_R * 3))
      .force("x", forceX(0).strength(0.04))
      .force("y", forceY(0).strength(0.04))
      .force("center", forceCenter(0, 0))
      .stop();
    const warm = nodes.every((n) => positions.current.has(n.id));
    sim.alpha(warm ? 0.15 : 1);
    for (let i = 0; i < (warm ? 60 : 300); i++) sim.tick();
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
          const dx = t.x! - s.x!, dy = t.y! - s.y!, len = Math.hypot(dx, dy) || 1;
          const ux = dx / len, uy = dy / len;
          // Mutual links bend apart so both directions stay visible.
          const bend = l.mutual ? 14 : 0;
          const x1 = s.x! + ux * NODE_R, y1 = s.y! + uy * NODE_R, x2 = t.x! - ux * (NODE_R + 2), y2 = t.y! - uy * (NODE_R + 2);
          const mx = (x1 + x2) / 2 - uy * bend, my = (y1 + y2) / 2 + ux * bend;
          const down = current.get(t.id)?.status === "down";
          const sel = selected === s.peer.key;
          return (
            <path key={i} d={`M${x1},${y1} Q${mx},${my} ${x2},${y2}`} fill="none" data-testid="topo-edge"
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
          return (
            <g key={n.id} transform={`translate(${n.x},${n.y})`} className="cursor-pointer" onClick={() => onSelect?.(p.key)}
              data-testid="topo-node" data-id={p.id} data-name={p.name ?? ""} data-status={p.status}>
              {selected === p.key && <circle r={NODE_R + 5} fill="none" stroke="#a5b4fc" strokeWidth={2} />}
              <circle r={NODE_R} fill={p.status === "up" ? stateColor.up : p.status === "suspect" ? stateColor.suspect : "#1f0a10"} stroke={up ? `hsl(${hueOf(p.position)} 65% 55%)` : stateColor.down} strokeWidth={3} />
              {!up && <path d="M-4,-4 L4,4 M4,-4 L-4,4" stroke={stateColor.down} strokeWidth={2} />}
              <text y={NODE_R + 14} textAnchor="middle" fontSize={12} fontWeight={600} fill={up ? "#e2e8f0" : "#fb7185"} stroke="#020617" strokeWidth={3} paintOrder="stroke">{label}</text>
              <text y={NODE_R + 27} textAnchor="middle" fontSize={9.5} fill="#64748b" stroke="#020617" strokeWidth={3} paintOrder="stroke">{p.name ? p.id.slice(0, 8) : p.httpAddress}</text>
              <title>{`${label} · ${p.id}\n${p.status} · ${p.links.length} contacts`}</title>
            </g>
          );
        })}
      </g>
    </svg>
  );
}
