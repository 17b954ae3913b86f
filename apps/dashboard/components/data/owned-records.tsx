"use client";
/**
 * The Data page's owned (signed) records: the ones the chosen peer holds, with owner, seq and
 * whether the dashboard's server verified the owner's signature, and a read by public key and
 * salt. Writing one needs the owner's private key, which the dashboard never holds: the page
 * shows the `p2p put --sign` command instead.
 */
import { useState } from "react";
import useSWR from "swr";
import { fetchJson } from "../use-snapshot";
import { Badge, Button, Empty, IdChip } from "../ui";
import { DataTable } from "../data-table";
import type { OwnedView } from "../../lib/data-types";

const input = "rounded-lg border border-slate-700 bg-slate-950 px-3 py-1.5 text-sm text-slate-100 placeholder:text-slate-500 focus:border-indigo-400 focus:outline-none";

function Verified({ ok }: { ok: boolean }) {
  return ok ? <Badge tone="good" testId="owned-verified">verified</Badge> : <Badge tone="bad" testId="owned-unverified">bad signature</Badge>;
}

export function OwnedRecords({ via, refreshKey }: { via: string; refreshKey: number }) {
  const [owner, setOwner] = useState("");
  const [salt, setSalt] = useState("");
  const [read, setRead] = useState<{ record?: OwnedView; error?: string }>();
  const [busy, setBusy] = useState(false);
  const { data, error } = useSWR<{ records: OwnedView[]; capped?: boolean }>(via ? `/api/owned?peer=${via}&t=${refreshKey}` : null, fetchJson, { keepPreviousData: true });

  const lookup = async () => {
    setBusy(true);
    try {
      const r = await fetchJson<{ records: OwnedView[] }>(`/api/owned?peer=${via}&owner=${encodeURIComponent(owner.trim())}&salt=${encodeURIComponent(salt)}`);
      setRead({ record: r.records[0] });
    } catch (err) {
      setRead({ error: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="space-y-4" data-testid="owned-records">
      <p className="text-sm text-slate-400">
        Records signed by their owner&apos;s Ed25519 key, ordered by seq; every replica and this dashboard check the signature. Publish one with{" "}
        <code className="rounded bg-slate-950 px-1 text-xs">p2p keygen</code> then <code className="rounded bg-slate-950 px-1 text-xs">p2p put --sign owner.key NAME VALUE</code>.
      </p>
      <form className="flex flex-wrap items-center gap-2" onSubmit={(e) => { e.preventDefault(); void lookup(); }}>
        <input value={owner} onChange={(e) => setOwner(e.target.value)} placeholder="Owner public key (64 hex)" aria-label="Owner public key" className={`${input} w-[34rem] font-mono`} data-testid="owned-owner" />
        <input value={salt} onChange={(e) => setSalt(e.target.value)} placeholder="Name (salt), optional" aria-label="Salt" className={`${input} w-48 font-mono`} data-testid="owned-salt" />
        <Button type="submit" disabled={busy || !via || !/^[0-9a-fA-F]{64}$/.test(owner.trim())} testId="owned-read">Read</Button>
      </form>
      {read?.error && <div className="text-sm text-rose-300" data-testid="owned-error">{read.error}</div>}
      {read?.record && (
        <div className="space-y-2 rounded-lg border border-slate-800 p-3" data-testid="owned-result">
          <div className="flex flex-wrap items-center gap-3 text-sm">
            <span>seq <span className="font-mono text-slate-100" data-testid="owned-seq">{read.record.seq}</span></span>
            <span>owner <IdChip id={read.record.owner} /></span>
            <span>name <span className="font-mono">{read.record.salt || "—"}</span></span>
            <Verified ok={read.record.verified} />
          </div>
          <pre className="max-h-48 overflow-auto whitespace-pre-wrap rounded-lg bg-slate-950 p-3 text-sm text-emerald-200" data-testid="owned-value">{read.record.value}</pre>
        </div>
      )}
      {error ? <div className="text-sm text-rose-300">{(error as Error).message}</div> : !data ? <Empty>Loading…</Empty> : (
        <DataTable<OwnedView> rows={data.records} rowKey={(r) => r.key} rowTestId="owned-row" rowAttrs={(r) => ({ "data-key": r.key, "data-verified": String(r.verified) })}
          onRowClick={(r) => { setOwner(r.owner); setSalt(r.salt); }} empty="This peer holds no owned records"
          columns={[
            { key: "owner", header: "Owner", render: (r) => <IdChip id={r.owner} />, sort: (r) => r.owner },
            { key: "salt", header: "Name", render: (r) => <span className="font-mono text-xs">{r.salt || "—"}</span>, sort: (r) => r.salt },
            { key: "seq", header: "Seq", render: (r) => <span className="tabular-nums">{r.seq}</span>, sort: (r) => r.seq },
            { key: "value", header: "Value", render: (r) => <span className="font-mono text-xs">{r.value}</span> },
            { key: "ok", header: "Signature", render: (r) => <Verified ok={r.verified} />, sort: (r) => String(r.verified) },
          ]} />
      )}
      {data?.capped && <div className="text-xs text-slate-500">The first 25 owned records this peer holds.</div>}
    </div>
  );
}
