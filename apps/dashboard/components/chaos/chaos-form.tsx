"use client";
/** The form that starts a chaos run: seed, length, clients, keys and the fault kinds the nemesis may use. */
import { useState } from "react";
import { CHAOS_FAULT_KINDS, type ChaosFaultKind } from "../../lib/chaos-types";
import { Button } from "../ui";

export interface ChaosStart {
  seed: number;
  seconds: number;
  clients: number;
  keys: number;
  faults: ChaosFaultKind[];
}

const input = "mt-1 w-full rounded-lg border border-slate-700 bg-slate-950 px-2 py-1.5 text-sm text-slate-100 focus:border-indigo-400 focus:outline-none";

const KIND_TEXT: Record<ChaosFaultKind, string> = {
  kill: "kill -9, then restart",
  pause: "SIGSTOP, then SIGCONT",
  partition: "split the peers in two",
  skew: "move one peer's clock",
  delay: "slow one peer's calls",
};

export function ChaosForm({ disabled, busy, onStart }: { disabled: boolean; busy: boolean; onStart: (s: ChaosStart) => void }) {
  // Fields are kept as typed; the route checks the numbers and names the field that is wrong.
  const [f, setF] = useState({ seed: "0", seconds: "30", clients: "8", keys: "40" });
  const [kinds, setKinds] = useState<Set<ChaosFaultKind>>(new Set(CHAOS_FAULT_KINDS));
  const field = (name: keyof typeof f, label: string, hint: string, min: number, max: number) => (
    <label className="text-xs text-slate-400">{label}
      <input type="number" min={min} max={max} value={f[name]} onChange={(e) => setF({ ...f, [name]: e.target.value })} data-testid={`chaos-${name}`} className={input} />
      <span className="mt-0.5 block text-[11px] text-slate-500">{hint}</span>
    </label>
  );
  const toggle = (k: ChaosFaultKind) => setKinds((s) => {
    const next = new Set(s);
    if (next.has(k)) next.delete(k);
    else next.add(k);
    return next;
  });
  const submit = () => onStart({
    seed: Number(f.seed), seconds: Number(f.seconds), clients: Number(f.clients), keys: Number(f.keys),
    faults: CHAOS_FAULT_KINDS.filter((k) => kinds.has(k)),
  });
  return (
    // noValidate: the route checks the numbers and its message, naming the field, is shown.
    <form noValidate className="space-y-4" onSubmit={(e) => { e.preventDefault(); submit(); }} data-testid="chaos-form">
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        {field("seed", "Seed", "0 picks one (shown in the run)", 0, 4294967295)}
        {field("seconds", "Seconds", "of faults, 5 to 3600", 5, 3600)}
        {field("clients", "Clients", "concurrent, 1 to 64", 1, 64)}
        {field("keys", "Keys", "few keys: many conflicts", 1, 10000)}
      </div>
      <fieldset>
        <legend className="text-xs text-slate-400">Faults the nemesis may inject</legend>
        <div className="mt-1.5 flex flex-wrap gap-2">
          {CHAOS_FAULT_KINDS.map((k) => (
            <label key={k} className={`flex cursor-pointer items-center gap-2 rounded-lg px-2.5 py-1.5 text-sm ring-1 ring-inset ${kinds.has(k) ? "bg-indigo-500/10 text-slate-100 ring-indigo-400/40" : "text-slate-400 ring-slate-700"}`}>
              <input type="checkbox" checked={kinds.has(k)} onChange={() => toggle(k)} data-testid={`chaos-kind-${k}`} className="accent-indigo-500" />
              <span className="font-medium">{k}</span>
              <span className="text-xs text-slate-500">{KIND_TEXT[k]}</span>
            </label>
          ))}
        </div>
        {kinds.size === 0 && <p className="mt-1 text-xs text-amber-300">No kind ticked: the controller then uses all of them.</p>}
      </fieldset>
      <Button type="submit" tone="primary" disabled={disabled || busy} testId="chaos-start">{busy ? "Starting…" : "▶ Start chaos run"}</Button>
    </form>
  );
}
