/**
 * A traced operation's spans (NodeService.GetTrace) as a tree for trace-tree.ts: each span
 * under its parent (which may have been recorded by another peer), children in start order.
 * A span whose parent is missing (a peer that did not answer GetTrace) becomes a root of its own.
 */
import type { GetTraceResponse } from "@p2p/proto/node";
import type { TraceNode } from "./trace-tree.js";

const short = (id: string) => (id ? `${id.slice(0, 8)}…` : "?");

/** Attributes left out of the tree: the span's name and peer already say them. */
const HIDDEN = new Set(["peer.address", "peer.http", "rpc.method", "lookup"]);

/** An attribute value as shown: IDs and hashes shortened. */
const shown = (v: string) => (/^[0-9a-f]{32,}$/.test(v) ? short(v) : v.length > 40 ? `${v.slice(0, 40)}…` : v);

export function spanTree(trace: GetTraceResponse): TraceNode {
  const ids = new Set(trace.spans.map((s) => s.spanId));
  const nodes = new Map<string, TraceNode & { start: number }>();
  for (const s of trace.spans) {
    const details = [`+${s.startOffsetMs.toFixed(1)} ms`, `on ${short(s.peerId)}`];
    for (const [k, v] of Object.entries(s.attributes).sort(([a], [b]) => a.localeCompare(b))) {
      if (!HIDDEN.has(k)) details.push(`${k}=${shown(v)}`);
    }
    nodes.set(s.spanId, {
      label: s.name,
      ...(s.status === "error" ? { outcome: `error: ${s.error || "unknown"}` } : {}),
      ms: s.durationMs,
      details,
      children: [],
      start: s.startOffsetMs,
    });
  }
  const roots: (TraceNode & { start: number })[] = [];
  for (const s of trace.spans) {
    const node = nodes.get(s.spanId)!;
    if (s.parentId && ids.has(s.parentId) && s.parentId !== s.spanId) nodes.get(s.parentId)!.children!.push(node);
    else roots.push(node);
  }
  const byStart = (a: { start: number }, b: { start: number }) => a.start - b.start;
  for (const n of nodes.values()) (n.children as (TraceNode & { start: number })[]).sort(byStart);
  roots.sort(byStart);
  const peers = new Set(trace.spans.map((s) => s.peerId)).size;
  const details = [`${trace.spans.length} spans on ${peers} peer${peers === 1 ? "" : "s"}`];
  if (trace.unreachablePeers.length) details.push(`no answer from ${trace.unreachablePeers.join(", ")}`);
  return { label: `trace ${trace.traceId}`, details, children: roots };
}
