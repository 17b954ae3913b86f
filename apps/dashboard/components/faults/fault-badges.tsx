"use client";
/** How a peer's injected faults look, the same wherever they are shown. */
import type { PeerFaultsView } from "../../lib/snapshot-types";
import { Badge } from "../ui";

/** True when any fault is set. */
export function hasFaults(f: PeerFaultsView | undefined): f is PeerFaultsView {
  return !!f && (f.partitionedFrom.length > 0 || f.delayMs > 0 || f.clockSkewMs !== 0 || f.paused);
}

/** "+1.5 s", "-600 ms": a clock skew with its sign. */
export function fmtSkew(ms: number): string {
  const sign = ms > 0 ? "+" : ms < 0 ? "−" : "";
  const abs = Math.abs(ms);
  return `${sign}${abs >= 1000 ? `${(abs / 1000).toFixed(abs % 1000 ? 1 : 0)} s` : `${abs} ms`}`;
}

/** One badge per fault; "none" when the peer has none. */
export function PeerFaultBadges({ faults }: { faults: PeerFaultsView | undefined }) {
  if (!hasFaults(faults)) return <span className="text-xs text-slate-500" data-testid="peer-faults" data-none="true">none</span>;
  return (
    <div className="flex flex-wrap items-center gap-1.5 whitespace-normal" data-testid="peer-faults" data-none="false">
      {faults.paused && <Badge tone="warn" testId="fault-paused">paused</Badge>}
      {faults.partitionedFrom.length > 0 && (
        <span title={faults.partitionedFrom.join(", ")}>
          <Badge tone="bad" testId="fault-partition">cut off from {faults.partitionedFrom.join(", ")}</Badge>
        </span>
      )}
      {faults.delayMs > 0 && <Badge tone="warn" testId="fault-delay">delay +{faults.delayMs} ms</Badge>}
      {faults.clockSkewMs !== 0 && <Badge tone="info" testId="fault-skew">clock {fmtSkew(faults.clockSkewMs)}</Badge>}
    </div>
  );
}

