"use client";
import { useEffect, useState } from "react";
import useSWR from "swr";
import { fetchJson, postJson, useSnapshot } from "../../components/use-snapshot";
import { Badge, Button, Card, ConfirmDialog, Empty, IdChip, OutcomeBanner, type Outcome } from "../../components/ui";
import { RingView } from "../../components/ring-view";
import { partitionOfPeers } from "../../components/faults/partition-banner";
import { DataTable } from "../../components/data-table";
import { fmtDuration } from "../../components/format";
import type { DataResult, ReplicaView, TraceStepView } from "../../lib/data-types";
import type { PeerView, RecordStatus, RecordView, Snapshot } from "../../lib/snapshot-types";
import { TraceWaterfall, type PeerLabel } from "../../components/trace/trace-waterfall";
import { OwnedRecords } from "../../components/data/owned-records";

/** What /api/data answers: the result and the trace ID of the call (its spans: /api/trace). */
type TracedResult = DataResult & { traceId?: string };

const input = "w-full rounded-lg border border-slate-700 bg-slate-950 px-3 py-2 text-sm text-slate-100 placeholder:text-slate-500 focus:border-indigo-400 focus:outline-none";
const peerName = (p?: PeerView) => (p ? p.name ?? p.id.slice(0, 8) : "?");

export default function DataPage() {
  const { snapshot: s } = useSnapshot();
  const [via, setVia] = useState("");
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<TracedResult>();
  const [outcome, setOutcome] = useState<Outcome>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const live = s?.peers.filter((p) => p.status !== "down" && p.id) ?? [];
  useEffect(() => {
    if (live.length && !live.some((p) => p.id === via)) setVia(live[0]!.id);
  }, [live, via]);
  if (!s) return <Empty>Loading the network…</Empty>;

  const run = async (op: "put" | "get" | "delete") => {
    setBusy(true);
    try {
      const r = await postJson<TracedResult>("/api/data", op === "put" ? { op, peer: via, key, value } : { op, peer: via, key });
      setResult(r);
      setOutcome({ ok: true, message: `${op} "${key}" through ${peerName(s.peers.find((p) => p.id === via))}: ${r.replicas.filter((x) => x.ok).length}/${r.replicas.length} replicas ${op === "get" ? "answered" : "acknowledged"} in ${fmtDuration(r.elapsedMs)}`, atMs: Date.now() });
    } catch (err) {
      setResult(undefined);
      setOutcome({ ok: false, message: `${op} "${key}": ${(err as Error).message}`, atMs: Date.now() });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold text-slate-100">Data</h1>
        <p className="text-sm text-slate-400">Store, read and delete a key through any live peer. Reads return the lookup path: every peer contacted, in order, with timings.</p>
      </div>
      <div className="grid gap-6 xl:grid-cols-[380px_minmax(0,1fr)]">
        <Card title="Request" className="self-start">
          <form className="space-y-3" onSubmit={(e) => { e.preventDefault(); void run("put"); }}>
            <label className="block text-xs font-medium text-slate-400">Through peer
              <select value={via} onChange={(e) => setVia(e.target.value)} className={`${input} mt-1`} data-testid="data-peer">
                {live.map((p) => <option key={p.id} value={p.id}>{peerName(p)} · {p.id.slice(0, 12)}…</option>)}
              </select>
            </label>
            <label className="block text-xs font-medium text-slate-400">Key
              <input value={key} onChange={(e) => setKey(e.target.value)} maxLength={1024} placeholder="e.g. user:42" className={`${input} mt-1 font-mono`} data-testid="data-key" />
            </label>
            <label className="block text-xs font-medium text-slate-400">Value (for store)
              <textarea value={value} onChange={(e) => setValue(e.target.value)} rows={3} placeholder="any UTF-8 text" className={`${input} mt-1 font-mono`} data-testid="data-value" />
            </label>
            <div className="flex gap-2">
              <Button type="submit" tone="primary" disabled={busy || !key || !via} testId="data-put">Store</Button>
              <Button onClick={() => void run("get")} disabled={busy || !key || !via} testId="data-get">Get</Button>
              <Button tone="danger" onClick={() => setConfirmDelete(true)} disabled={busy || !key || !via} testId="data-delete">Delete</Button>
            </div>
          </form>
          <div className="mt-3"><OutcomeBanner outcome={outcome} onDismiss={() => setOutcome(undefined)} /></div>
          <ConfirmDialog open={confirmDelete} title={`Delete "${key}"?`} body="Writes a tombstone to the key's replicas; readers will no longer see the value."
            confirmLabel="Delete" onCancel={() => setConfirmDelete(false)} onConfirm={() => { setConfirmDelete(false); void run("delete"); }} />
        </Card>
        {result ? <ResultView result={result} snapshot={s} /> : <Card title="Result"><Empty>Run a request to see its replicas and lookup path</Empty></Card>}
      </div>
      <Card title="All records"><AllRecords snapshot={s} onPick={(k) => setKey(k)} /></Card>
      <Card title="Owned records (signed)"><OwnedRecords via={via} refreshKey={Math.floor(s.takenAtMs / 5000)} /></Card>
    </div>
  );
}

function ResultView({ result: r, snapshot: s }: { result: TracedResult; snapshot: Snapshot }) {
  const byId = new Map(s.peers.map((p) => [p.id, p]));
  const labels = new Map<string, PeerLabel>(s.peers.map((p) => [p.id, { name: peerName(p), position: parseInt(p.id.slice(0, 8), 16) / 2 ** 32 }]));
  const holders = r.replicas.filter((x) => x.ok).map((x) => x.id);
  return (
    <div className="space-y-6" data-testid="data-result" data-op={r.op}>
      <Card title={<>Result · {r.op} <span className="font-normal text-slate-400">via {peerName(byId.get(r.via))} in {fmtDuration(r.elapsedMs)}</span></>}>
        <div className="space-y-4">
          <div className="space-y-4">
            <div className="grid grid-cols-2 gap-3 text-sm">
              <div><div className="text-xs text-slate-400">Key</div><div className="font-mono text-slate-100">{r.key}</div></div>
              <div><div className="text-xs text-slate-400">Version</div><div className="font-mono text-slate-100" data-testid="result-version">{r.version ? `${new Date(r.version.wallTimeMs).toISOString().slice(11, 23)} #${r.version.logical}` : "—"}</div>
                {r.version && <div className="text-xs text-slate-500">writer <IdChip id={r.version.writer} /></div>}</div>
              <div className="col-span-2"><div className="text-xs text-slate-400">Position (SHA-256 of the key)</div><div className="break-all font-mono text-xs text-slate-300">{r.position}</div></div>
            </div>
            {r.op === "get" && (
              <div><div className="text-xs text-slate-400">Value</div>
                <pre className="mt-1 max-h-48 overflow-auto whitespace-pre-wrap rounded-lg bg-slate-950 p-3 text-sm text-emerald-200" data-testid="result-value">{r.value}</pre></div>
            )}
            <div>
              <div className="mb-1 text-xs font-medium uppercase tracking-wider text-slate-400">Replica holders</div>
              <DataTable<ReplicaView> rows={r.replicas} rowKey={(x) => x.id} rowTestId="replica-row" rowAttrs={(x) => ({ "data-id": x.id, "data-ok": String(x.ok) })}
                columns={[
                  { key: "peer", header: "Peer", render: (x) => peerName(byId.get(x.id)), sort: (x) => peerName(byId.get(x.id)) },
                  { key: "id", header: "ID", render: (x) => <IdChip id={x.id} /> },
                  { key: "ok", header: r.op === "get" ? "Answered" : "Acked", render: (x) => (x.ok ? <Badge tone="good">yes</Badge> : <Badge tone="bad">no</Badge>) },
                  ...(r.op === "get" ? [
                    { key: "ver", header: "Version held", render: (x: ReplicaView) => (x.version ? `${new Date(x.version.wallTimeMs).toISOString().slice(11, 23)} #${x.version.logical}` : "none") },
                    { key: "rep", header: "", render: (x: ReplicaView) => (x.repaired ? <Badge tone="info">repaired</Badge> : x.tombstone ? <Badge tone="muted">tombstone</Badge> : null) },
                  ] : []),
                ]} />
            </div>
          </div>
        </div>
      </Card>
      <Card title={r.trace
        ? <>Lookup path <span className="font-normal text-slate-400">· {r.trace.steps.length} requests · {r.trace.hops} hops · {fmtDuration(r.trace.totalMs)}</span></>
        : <>Replicas on the ring</>}>
        <div className="grid gap-4 2xl:grid-cols-[minmax(0,1fr)_440px]">
          {r.trace ? <div className="overflow-x-auto"><TraceTable steps={r.trace.steps} totalMs={r.trace.totalMs} byId={byId} /></div>
            : <p className="text-sm text-slate-400">Green lines join the key&apos;s position to the replicas that {r.op === "put" ? "stored" : "deleted"} it; the ringed peer coordinated the call.</p>}
          <div className="mx-auto aspect-square w-full max-w-[440px]">
            <RingView snapshot={s} labelScale={1.8} partition={partitionOfPeers(s.peers)}
              trace={{ target: r.position, via: r.via, steps: r.trace?.steps.map((x) => ({ id: x.id, ok: x.ok, error: x.error })) ?? [], holders }} />
          </div>
        </div>
      </Card>
      {r.traceId && <TraceWaterfall key={r.traceId} via={r.via} traceId={r.traceId} peers={labels} />}
    </div>
  );
}

function TraceTable({ steps, totalMs, byId }: { steps: TraceStepView[]; totalMs: number; byId: Map<string, PeerView> }) {
  const scale = Math.max(totalMs, ...steps.map((s) => s.sentAtMs + s.durationMs), 0.001);
  return (
    <table className="w-full whitespace-nowrap text-sm" data-testid="trace">
      <thead><tr className="border-b border-slate-800 text-left text-xs uppercase tracking-wider text-slate-400">
        <th className="px-2 py-2">#</th><th className="px-2">Peer</th><th className="px-2">ID</th><th className="px-2 text-right">Sent at</th><th className="px-2 text-right">Took</th><th className="w-1/3 px-2">Timeline</th><th className="px-2">Result</th>
      </tr></thead>
      <tbody>
        {steps.map((s, i) => (
          <tr key={i} className="border-b border-slate-800/60" data-testid="trace-step" data-id={s.id}>
            <td className="px-2 py-1.5"><span className="inline-flex h-5 w-5 items-center justify-center rounded-full bg-amber-400 text-[11px] font-bold text-slate-950">{i + 1}</span></td>
            <td className="px-2">{peerName(byId.get(s.id))}</td>
            <td className="px-2"><IdChip id={s.id} /></td>
            <td className="px-2 text-right tabular-nums text-slate-400">{fmtDuration(s.sentAtMs)}</td>
            <td className="px-2 text-right tabular-nums">{fmtDuration(s.durationMs)}</td>
            <td className="px-2">
              <div className="relative h-2 rounded bg-slate-800">
                <div className={`absolute h-2 rounded ${s.ok ? "bg-amber-400" : s.error === "canceled" ? "bg-slate-500" : "bg-rose-500"}`} style={{ left: `${(s.sentAtMs / scale) * 100}%`, width: `${Math.max(1, (s.durationMs / scale) * 100)}%` }} />
              </div>
            </td>
            <td className="px-2 text-xs">
              {s.ok ? <span className="text-slate-300">{s.hadRecord ? <Badge tone="good">had record</Badge> : null} {s.closerContacts} closer</span>
                : s.error === "canceled" ? <span title="the lookup had enough answers before this one came back"><Badge tone="muted">not needed</Badge></span>
                : <Badge tone="bad">{s.error || "failed"}</Badge>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Every record the dashboard aggregated, paged and filtered on the server. */
function AllRecords({ snapshot, onPick }: { snapshot: Snapshot; onPick: (key: string) => void }) {
  const [q, setQ] = useState("");
  const [status, setStatus] = useState<RecordStatus | "">("");
  const [offset, setOffset] = useState(0);
  const limit = 25;
  const { data } = useSWR<{ total: number; records: RecordView[] }>(`/api/records?limit=${limit}&offset=${offset}&q=${encodeURIComponent(q)}${status ? `&status=${status}` : ""}&t=${Math.floor(snapshot.takenAtMs / 3000)}`, fetchJson, { keepPreviousData: true });
  const byId = new Map(snapshot.peers.map((p) => [p.id, p]));
  return (
    <div>
      <div className="mb-3 flex flex-wrap items-center gap-2">
        <input value={q} onChange={(e) => { setQ(e.target.value); setOffset(0); }} placeholder="Key or position prefix…" aria-label="Filter records"
          className="w-72 rounded-lg border border-slate-700 bg-slate-950 px-3 py-1.5 text-sm text-slate-100 placeholder:text-slate-500 focus:border-indigo-400 focus:outline-none" />
        <select value={status} onChange={(e) => { setStatus(e.target.value as RecordStatus | ""); setOffset(0); }} aria-label="Status"
          className="rounded-lg border border-slate-700 bg-slate-950 px-2 py-1.5 text-sm text-slate-100">
          <option value="">all states</option><option value="healthy">healthy</option><option value="under">under-replicated</option><option value="unavailable">unavailable</option>
        </select>
        <span className="ml-auto text-xs text-slate-500">{data ? `${data.total} records${snapshot.replication.capped ? " (lower bound: some peers hold more than the dashboard fetches)" : ""}` : ""}</span>
        <Button small disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - limit))}>‹ Prev</Button>
        <Button small disabled={!data || offset + limit >= data.total} onClick={() => setOffset(offset + limit)}>Next ›</Button>
      </div>
      <DataTable<RecordView> rows={data?.records ?? []} rowKey={(r) => r.key} pageSize={limit} onRowClick={(r) => onPick(r.key)} rowTestId="record-row"
        rowAttrs={(r) => ({ "data-key": r.key, "data-status": r.status })} empty="No records"
        columns={[
          { key: "status", header: "State", render: (r) => <Badge tone={r.status === "healthy" ? "good" : r.status === "under" ? "warn" : "bad"}>{r.status === "under" ? "under-replicated" : r.status}</Badge>, sort: (r) => r.status },
          { key: "key", header: "Key", render: (r) => <span className="font-mono text-xs">{r.key}{r.tombstone ? " (deleted)" : ""}</span>, sort: (r) => r.key },
          { key: "pos", header: "Position", render: (r) => <IdChip id={r.position} />, sort: (r) => r.pos },
          { key: "holders", header: "Holders", render: (r) => <span className="text-xs">{r.holders.map((h) => peerName(byId.get(h))).join(", ")}{r.downHolders.length ? <span className="text-rose-300"> · down: {r.downHolders.map((h) => peerName(byId.get(h))).join(", ")}</span> : null}</span>, sort: (r) => r.holders.length },
        ]} />
    </div>
  );
}
