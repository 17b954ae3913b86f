"use client";
/**
 * A trace as a waterfall: one row per span in parent order (indented by depth), a bar offset by
 * its start and as wide as its duration on a shared time axis, the peer that recorded it
 * labelled in its identity colour, failures in red. Spans of other peers arrive through the
 * coordinator's GetTrace, and read repairs finish after the answer, so it polls for a while.
 */
import { useMemo } from "react";
import useSWR from "swr";
import { fetchJson } from "../use-snapshot";
import { Badge, Card, Empty, IdChip } from "../ui";
import { fmtDuration, hueOf } from "../format";
import { waterfallRows, type SpanView, type TraceView } from "./trace-types";

/** How each kind of span is drawn (failures are red whatever their kind). */
const KIND_COLOR: Record<string, string> = { client: "bg-sky-400", server: "bg-violet-400", internal: "bg-amber-400" };

export interface PeerLabel {
  name: string;
  /** Ring position in [0, 1), for the identity colour. */
  position?: number;
}

export function TraceWaterfall({ via, traceId, peers }: { via: string; traceId: string; peers: Map<string, PeerLabel> }) {
  const { data, error } = useSWR<TraceView>(`/api/trace?peer=${via}&traceId=${traceId}`, fetchJson, { refreshInterval: 2000, keepPreviousData: true });
  const rows = useMemo(() => waterfallRows(data?.spans ?? []), [data]);
  const total = Math.max(0.001, ...rows.map((r) => r.span.startOffsetMs + r.span.durationMs));
  const peerCount = new Set(rows.map((r) => r.span.peerId)).size;
  const title = (
    <>
      Trace <span className="font-normal text-slate-400">· {rows.length} spans · {peerCount} peers · {fmtDuration(total)} · </span>
      <span className="font-mono text-xs font-normal text-slate-400" data-testid="trace-id">{traceId}</span>
    </>
  );
  if (error && !data) return <Card title={title}><Empty>Could not load the trace: {(error as Error).message}</Empty></Card>;
  if (!data) return <Card title={title}><Empty>Loading the trace…</Empty></Card>;
  if (rows.length === 0) return <Card title={title}><Empty>No spans recorded for this trace (yet)</Empty></Card>;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <Card title={title}>
      <div className="overflow-x-auto" data-testid="trace-waterfall" data-spans={rows.length} data-peers={peerCount}>
        <div className="min-w-[600px] text-xs">
          <div className="grid grid-cols-[minmax(170px,2fr)_96px_minmax(240px,5fr)_64px] items-end gap-2 border-b border-slate-800 pb-1 text-[11px] uppercase tracking-wider text-slate-500">
            <div>Step</div>
            <div>Peer</div>
            <div className="relative h-4">
              {ticks.map((t) => (
                <span key={t} className="absolute whitespace-nowrap tabular-nums normal-case" style={{ left: `${t * 100}%`, transform: t === 0 ? "none" : t === 1 ? "translateX(-100%)" : "translateX(-50%)" }}>
                  {t === 0 ? "0" : fmtDuration(t * total)}
                </span>
              ))}
            </div>
            <div className="text-right">Took</div>
          </div>
          {rows.map(({ span, depth }) => (
            <SpanLine key={span.spanId} span={span} depth={depth} total={total} peer={peers.get(span.peerId)} via={via} />
          ))}
        </div>
        {data.unreachablePeers.length > 0 && (
          <p className="mt-2 text-xs text-amber-300">Spans missing from {data.unreachablePeers.join(", ")} (did not answer in time).</p>
        )}
        <div className="mt-3 flex flex-wrap gap-3 text-[11px] text-slate-400">
          <span><span className="mr-1 inline-block h-2 w-3 rounded bg-amber-400 align-middle" />step on a peer</span>
          <span><span className="mr-1 inline-block h-2 w-3 rounded bg-sky-400 align-middle" />call to a peer</span>
          <span><span className="mr-1 inline-block h-2 w-3 rounded bg-violet-400 align-middle" />served by a peer</span>
          <span><span className="mr-1 inline-block h-2 w-3 rounded bg-rose-500 align-middle" />failed</span>
        </div>
      </div>
    </Card>
  );
}

function SpanLine({ span: s, depth, total, peer, via }: { span: SpanView; depth: number; total: number; peer?: PeerLabel; via: string }) {
  const failed = s.status === "error";
  const canceled = failed && s.error === "canceled";
  const color = canceled ? "bg-slate-500" : failed ? "bg-rose-500" : (KIND_COLOR[s.kind] ?? "bg-slate-400");
  const left = (s.startOffsetMs / total) * 100;
  const width = Math.max(0.4, (s.durationMs / total) * 100);
  const target = s.attributes["peer.id"];
  const hue = peer?.position === undefined ? undefined : hueOf(peer.position);
  const detail = Object.entries(s.attributes).filter(([k]) => !k.startsWith("peer.") && k !== "rpc.method" && k !== "key").map(([k, v]) => `${k}=${v}`).join(" ");
  return (
    <div className="grid grid-cols-[minmax(170px,2fr)_96px_minmax(240px,5fr)_64px] items-center gap-2 border-b border-slate-800/50 py-1" data-testid="trace-span"
      data-peer={s.peerId} data-status={s.status} data-kind={s.kind} data-name={s.name} title={`${s.name} · ${s.kind} · ${detail}${failed ? ` · ${s.error}` : ""}`}>
      <div className="flex min-w-0 items-center gap-1" style={{ paddingLeft: depth * 14 }}>
        {depth > 0 && <span className="text-slate-600">└</span>}
        <span className={`shrink-0 ${failed && !canceled ? "text-rose-300" : "text-slate-200"}`}>{s.name}</span>
        {target && s.kind === "client" && <span className="min-w-0 truncate text-slate-500">→ {target.slice(0, 8)}</span>}
        {failed && <Badge tone={canceled ? "muted" : "bad"}>{s.error || "error"}</Badge>}
      </div>
      <div className="flex min-w-0 items-center gap-1 truncate">
        <span className="inline-block h-2 w-2 shrink-0 rounded-full" style={{ background: hue === undefined ? "#64748b" : `hsl(${hue} 80% 60%)` }} />
        <span className={`truncate ${s.peerId === via ? "font-semibold text-slate-100" : "text-slate-300"}`}>{peer?.name ?? <IdChip id={s.peerId} />}</span>
      </div>
      <div className="relative h-3 rounded bg-slate-800/60">
        <div className={`absolute h-3 rounded ${color}`} style={{ left: `${Math.min(left, 99.6)}%`, width: `${Math.min(width, 100 - Math.min(left, 99.6))}%` }} />
      </div>
      <div className="text-right tabular-nums text-slate-300">{fmtDuration(s.durationMs)}</div>
    </div>
  );
}
