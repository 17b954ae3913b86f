"use client";
/** The frame around every view: navigation, the network verdict and how fresh the data is. */
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState, type ReactNode } from "react";
import { useSnapshot } from "./use-snapshot";
import { viewForPath } from "../lib/snapshot-slice";
import { Badge, verdictTone } from "./ui";
import { fmtAge } from "./format";

const NAV = [
  { href: "/", label: "Overview", icon: "◎" },
  { href: "/topology", label: "Topology", icon: "⬡" },
  { href: "/ring", label: "Ring", icon: "◯" },
  { href: "/data", label: "Data", icon: "⇅" },
  { href: "/files", label: "Files", icon: "▤" },
  { href: "/fleet", label: "Fleet", icon: "⚙", fleetOnly: true },
  { href: "/chaos", label: "Chaos", icon: "⚡", fleetOnly: true },
];

/** Re-renders every second so ages ("3 s ago") stay current between snapshots. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

export function Shell({ children }: { children: ReactNode }) {
  const path = usePathname();
  const { view, peer } = viewForPath(path);
  const { snapshot, error } = useSnapshot(view, peer);
  const now = useNow();
  const up = snapshot?.peers.filter((p) => p.status === "up").length ?? 0;
  const fleet = snapshot?.fleet.configured ?? false;
  return (
    <div className="flex min-h-screen">
      <aside className="sticky top-0 flex h-screen w-52 shrink-0 flex-col border-r border-slate-800 bg-slate-950 px-3 py-4">
        <div className="mb-6 px-2">
          <div className="text-sm font-semibold text-slate-100">P2P Network</div>
          <div className="text-xs text-slate-500">Kademlia · R-way replication</div>
        </div>
        <nav className="flex flex-col gap-0.5">
          {NAV.filter((n) => !n.fleetOnly || fleet).map((n) => {
            const active = n.href === "/" ? path === "/" : path.startsWith(n.href);
            return (
              <Link key={n.href} href={n.href} data-testid={`nav-${n.label.toLowerCase()}`}
                className={`flex items-center gap-2.5 rounded-lg px-2.5 py-1.5 text-sm ${active ? "bg-indigo-500/15 text-indigo-200" : "text-slate-400 hover:bg-slate-800/60 hover:text-slate-100"}`}>
                <span className="w-4 text-center text-base leading-none">{n.icon}</span>
                {n.label}
              </Link>
            );
          })}
        </nav>
        <div className="mt-auto space-y-1 px-2 text-xs text-slate-500">
          <div>{fleet ? (snapshot?.fleet.ok ? "Fleet controller connected" : "Fleet controller unreachable") : "No fleet controller"}</div>
          {snapshot && <div>Snapshot built in {snapshot.buildMs} ms</div>}
        </div>
      </aside>
      <div className="min-w-0 flex-1">
        <header className="sticky top-0 z-10 flex items-center gap-3 border-b border-slate-800 bg-slate-950/90 px-6 py-3 backdrop-blur">
          {snapshot ? (
            <>
              <Badge tone={verdictTone(snapshot.replication.verdict)} testId="verdict">{snapshot.replication.verdict}</Badge>
              <span className="text-sm text-slate-300"><span className="font-semibold text-slate-100">{up}</span> / {snapshot.peers.length} peers up</span>
              <span className="text-sm text-slate-400">· {snapshot.replication.records} records</span>
              <span className="ml-auto text-xs text-slate-500" data-testid="freshness">updated {fmtAge(snapshot.takenAtMs, now)}</span>
            </>
          ) : (
            <span className="text-sm text-slate-400">Loading the network…</span>
          )}
          {error && <Badge tone="bad">dashboard server: {error.message}</Badge>}
        </header>
        <main className="mx-auto max-w-[1400px] px-6 py-6">{children}</main>
      </div>
    </div>
  );
}
