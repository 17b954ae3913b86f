/** JSON of GET /api/trace: one trace's spans as the coordinator's GetTrace returned them. */
export interface SpanView {
  name: string;
  spanId: string;
  /** "" for the trace's root. */
  parentId: string;
  peerId: string;
  startOffsetMs: number;
  durationMs: number;
  kind: string;
  status: string;
  error: string;
  attributes: Record<string, string>;
}

export interface TraceView {
  traceId: string;
  spans: SpanView[];
  /** Peers asked for their spans that did not answer in time. */
  unreachablePeers: string[];
}

/** A span placed in the waterfall: depth in the parent tree, in display order. */
export interface SpanRow {
  span: SpanView;
  depth: number;
}

/**
 * The spans in tree order (each parent followed by its children, earliest first); a span
 * whose parent is not in the trace (the caller's, outside it) starts a tree of its own.
 */
export function waterfallRows(spans: readonly SpanView[]): SpanRow[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, SpanView[]>();
  const roots: SpanView[] = [];
  for (const s of spans) {
    if (s.parentId && ids.has(s.parentId)) {
      const list = children.get(s.parentId) ?? [];
      list.push(s);
      children.set(s.parentId, list);
    } else roots.push(s);
  }
  const byStart = (a: SpanView, b: SpanView) => a.startOffsetMs - b.startOffsetMs;
  const rows: SpanRow[] = [];
  const seen = new Set<string>();
  const visit = (s: SpanView, depth: number) => {
    if (seen.has(s.spanId)) return; // a malformed trace cannot loop
    seen.add(s.spanId);
    rows.push({ span: s, depth });
    for (const c of (children.get(s.spanId) ?? []).sort(byStart)) visit(c, depth + 1);
  };
  for (const r of roots.sort(byStart)) visit(r, 0);
  return rows;
}
