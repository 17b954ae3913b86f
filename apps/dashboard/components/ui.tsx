"use client";
/** Small building blocks shared by every view: cards, badges, ID chips, dialogs, banners. */
import { useEffect, useState, type ReactNode } from "react";
import { shortId } from "../lib/ids";

export function Card({ title, actions, children, className = "" }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`rounded-xl border border-slate-800 bg-slate-900/70 shadow-sm ${className}`}>
      {(title || actions) && (
        <header className="flex items-center justify-between gap-3 border-b border-slate-800 px-4 py-2.5">
          <h2 className="text-sm font-semibold tracking-wide text-slate-200">{title}</h2>
          <div className="flex items-center gap-2">{actions}</div>
        </header>
      )}
      <div className="p-4">{children}</div>
    </section>
  );
}

export function Stat({ label, value, sub, tone = "default", testId }: { label: string; value: ReactNode; sub?: ReactNode; tone?: Tone; testId?: string }) {
  return (
    <div className="rounded-xl border border-slate-800 bg-slate-900/70 px-4 py-3" data-testid={testId}>
      <div className="text-xs font-medium uppercase tracking-wider text-slate-400">{label}</div>
      <div className={`mt-1 text-2xl font-semibold tabular-nums ${toneText[tone]}`}>{value}</div>
      {sub && <div className="mt-1 text-xs text-slate-400">{sub}</div>}
    </div>
  );
}

export type Tone = "default" | "good" | "warn" | "bad" | "muted" | "info";
const toneText: Record<Tone, string> = { default: "text-slate-100", good: "text-emerald-400", warn: "text-amber-400", bad: "text-rose-400", muted: "text-slate-500", info: "text-sky-400" };
const toneBadge: Record<Tone, string> = {
  default: "bg-slate-800 text-slate-200 ring-slate-700",
  good: "bg-emerald-500/10 text-emerald-300 ring-emerald-500/30",
  warn: "bg-amber-500/10 text-amber-300 ring-amber-500/30",
  bad: "bg-rose-500/10 text-rose-300 ring-rose-500/30",
  muted: "bg-slate-800/60 text-slate-400 ring-slate-700",
  info: "bg-sky-500/10 text-sky-300 ring-sky-500/30",
};
const toneDot: Record<Tone, string> = { default: "bg-slate-300", good: "bg-emerald-400", warn: "bg-amber-400", bad: "bg-rose-500", muted: "bg-slate-500", info: "bg-sky-400" };

export function Badge({ tone = "default", children, testId }: { tone?: Tone; children: ReactNode; testId?: string }) {
  return (
    <span data-testid={testId} className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${toneBadge[tone]}`}>
      <span className={`h-1.5 w-1.5 rounded-full ${toneDot[tone]}`} />
      {children}
    </span>
  );
}

/** Colours for peer and record states, the same in every view (SVG fills). */
export const stateColor = { up: "#34d399", suspect: "#fbbf24", down: "#f43f5e", starting: "#fbbf24", under: "#f59e0b", unavailable: "#f43f5e", healthy: "#38bdf8" } as const;

export function verdictTone(v: "healthy" | "degraded" | "unavailable"): Tone {
  return v === "healthy" ? "good" : v === "degraded" ? "warn" : "bad";
}

/** A shortened ID with a copy button; the full value is in the tooltip and copied to the clipboard. */
export function IdChip({ id, full = false }: { id: string; full?: boolean }) {
  const [copied, setCopied] = useState(false);
  if (!id) return <span className="text-slate-500">unknown</span>;
  const copy = async (e: React.MouseEvent) => {
    e.stopPropagation();
    e.preventDefault();
    try {
      await navigator.clipboard.writeText(id);
    } catch {
      // Clipboard needs a secure context; selecting the text still lets the user copy it.
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1200);
  };
  return (
    <span className="inline-flex items-center gap-1 font-mono text-xs text-slate-300" title={id}>
      <span className={full ? "break-all" : ""}>{full ? id : shortId(id)}</span>
      <button type="button" onClick={copy} aria-label="Copy ID" className="inline-flex items-center rounded p-0.5 text-slate-500 hover:bg-slate-800 hover:text-slate-200">
        {copied ? (
          <svg viewBox="0 0 16 16" className="h-3.5 w-3.5" fill="none" stroke="currentColor" strokeWidth={2}><path d="M3 8.5l3 3 7-7" /></svg>
        ) : (
          <svg viewBox="0 0 16 16" className="h-3.5 w-3.5" fill="none" stroke="currentColor" strokeWidth={1.4}><rect x="5.5" y="5.5" width="8" height="8" rx="1.5" /><path d="M10.5 3.5v-0.5a1.5 1.5 0 0 0-1.5-1.5h-5a1.5 1.5 0 0 0-1.5 1.5v5a1.5 1.5 0 0 0 1.5 1.5h0.5" /></svg>
        )}
      </button>
    </span>
  );
}

export function Button({ children, onClick, tone = "default", disabled, type = "button", testId, small }: {
  children: ReactNode; onClick?: () => void; tone?: "default" | "primary" | "danger" | "warn" | "good"; disabled?: boolean; type?: "button" | "submit"; testId?: string; small?: boolean;
}) {
  const tones = {
    default: "bg-slate-800 text-slate-100 hover:bg-slate-700 ring-slate-700",
    primary: "bg-indigo-500 text-white hover:bg-indigo-400 ring-indigo-400/50",
    danger: "bg-rose-600/90 text-white hover:bg-rose-500 ring-rose-400/50",
    warn: "bg-amber-500/90 text-slate-950 hover:bg-amber-400 ring-amber-300/50",
    good: "bg-emerald-600/90 text-white hover:bg-emerald-500 ring-emerald-400/50",
  };
  return (
    <button type={type} onClick={onClick} disabled={disabled} data-testid={testId}
      className={`inline-flex items-center justify-center gap-1.5 rounded-lg font-medium ring-1 ring-inset transition disabled:cursor-not-allowed disabled:opacity-40 ${small ? "px-2 py-1 text-xs" : "px-3 py-1.5 text-sm"} ${tones[tone]}`}>
      {children}
    </button>
  );
}

/** A modal asking to confirm a destructive action. */
export function ConfirmDialog({ open, title, body, confirmLabel, onConfirm, onCancel }: {
  open: boolean; title: string; body: ReactNode; confirmLabel: string; onConfirm: () => void; onCancel: () => void;
}) {
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onCancel();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open, onCancel]);
  if (!open) return null;
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-slate-950/70 backdrop-blur-sm" role="dialog" aria-modal="true" aria-label={title}>
      <div className="w-full max-w-md rounded-xl border border-slate-700 bg-slate-900 p-5 shadow-2xl">
        <h3 className="text-base font-semibold text-slate-100">{title}</h3>
        <div className="mt-2 text-sm text-slate-300">{body}</div>
        <div className="mt-5 flex justify-end gap-2">
          <Button onClick={onCancel}>Cancel</Button>
          <Button tone="danger" onClick={onConfirm} testId="confirm">{confirmLabel}</Button>
        </div>
      </div>
    </div>
  );
}

export interface Outcome { ok: boolean; message: string; atMs: number }

/** The result of the last action, success or failure, until dismissed. */
export function OutcomeBanner({ outcome, onDismiss, testId = "outcome" }: { outcome?: Outcome; onDismiss: () => void; testId?: string }) {
  if (!outcome) return null;
  return (
    <div role="status" data-testid={testId} data-ok={outcome.ok}
      className={`flex items-start justify-between gap-3 rounded-lg px-3 py-2 text-sm ring-1 ring-inset ${outcome.ok ? "bg-emerald-500/10 text-emerald-200 ring-emerald-500/30" : "bg-rose-500/10 text-rose-200 ring-rose-500/30"}`}>
      <span>{outcome.ok ? "✓ " : "✕ "}{outcome.message}</span>
      <button onClick={onDismiss} className="text-xs opacity-70 hover:opacity-100" aria-label="Dismiss">✕</button>
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="py-8 text-center text-sm text-slate-500">{children}</div>;
}

export function PeerStatusBadge({ status, fleetState }: { status: "up" | "suspect" | "down"; fleetState?: string }) {
  if (status === "up") return <Badge tone="good" testId="peer-status">up</Badge>;
  if (status === "suspect") return <Badge tone="warn" testId="peer-status">suspect</Badge>;
  if (fleetState === "starting") return <Badge tone="warn" testId="peer-status">starting</Badge>;
  return <Badge tone="bad" testId="peer-status">{fleetState && fleetState !== "running" ? fleetState : "down"}</Badge>;
}
