"use client";
/** Sets one peer's delay (on every call it makes) and clock skew through /api/fleet/faults. */
import { useState } from "react";
import type { PeerView } from "../../lib/snapshot-types";
import { runAction } from "../fleet-actions";
import { Button, type Outcome } from "../ui";

const input = "w-full rounded-lg border border-slate-700 bg-slate-950 px-2 py-1.5 text-sm text-slate-100 focus:border-indigo-400 focus:outline-none";

export function PeerFaultForm({ peers, onOutcome }: { peers: readonly PeerView[]; onOutcome: (o: Outcome) => void }) {
  const [peer, setPeer] = useState("");
  const [delay, setDelay] = useState("0");
  const [skew, setSkew] = useState("0");
  const [busy, setBusy] = useState(false);
  const named = peers.filter((p) => p.name);
  const selected = named.find((p) => p.name === peer) ?? named[0];

  const choose = (name: string) => {
    setPeer(name);
    // Start from the peer's current values, so changing one leaves the other as it is.
    const f = named.find((p) => p.name === name)?.faults;
    setDelay(String(f?.delayMs ?? 0));
    setSkew(String(f?.clockSkewMs ?? 0));
  };
  const apply = async () => {
    if (!selected?.name) return;
    setBusy(true);
    // Numbers as typed (an empty field keeps the peer's value): the route checks them and names the field in its answer.
    const num = (s: string) => (s.trim() === "" ? undefined : Number(s));
    onOutcome(await runAction("/api/fleet/faults", { action: "set", peer: selected.name, delayMs: num(delay), clockSkewMs: num(skew) }));
    setBusy(false);
  };
  return (
    // noValidate: the route checks the values and its message, naming the field, is shown.
    <form noValidate className="space-y-3" onSubmit={(e) => { e.preventDefault(); void apply(); }} data-testid="fault-form">
      <div className="text-xs font-medium uppercase tracking-wider text-slate-400">Delay &amp; clock skew</div>
      <div className="grid grid-cols-3 gap-2">
        <label className="text-xs text-slate-400">Peer
          <select value={selected?.name ?? ""} onChange={(e) => choose(e.target.value)} data-testid="fault-peer" className={`mt-1 ${input}`}>
            {named.map((p) => <option key={p.key} value={p.name}>{p.name}</option>)}
          </select>
        </label>
        <label className="text-xs text-slate-400">Delay (ms)
          <input type="number" min={0} max={60000} step={1} value={delay} onChange={(e) => setDelay(e.target.value)} data-testid="fault-delay-ms" className={`mt-1 ${input}`} />
        </label>
        <label className="text-xs text-slate-400">Clock skew (ms)
          <input type="number" min={-86400000} max={86400000} step={1} value={skew} onChange={(e) => setSkew(e.target.value)} data-testid="fault-skew-ms" className={`mt-1 ${input}`} />
        </label>
      </div>
      <div className="flex items-center gap-2">
        <Button type="submit" tone="warn" disabled={busy || !selected} testId="fault-apply">{busy ? "Applying…" : "Apply"}</Button>
        <span className="text-xs text-slate-500">Delay: added to every call the peer makes (0–60000). Skew: moves its clock (negative: behind).</span>
      </div>
    </form>
  );
}
