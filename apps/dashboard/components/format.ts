/** Formatting for the views: durations, ages, counts and percentages, all compact. */

export function fmtDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.floor(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** "3.2 s ago" from a timestamp, relative to `now`. */
export function fmtAge(atMs: number | undefined, now: number): string {
  // Before 2001: not a wall-clock time (unset or a placeholder).
  if (atMs === undefined || atMs < 978_307_200_000) return "never";
  const ms = Math.max(0, now - atMs);
  return ms < 1000 ? "just now" : `${fmtDuration(ms)} ago`;
}

export function fmtCount(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function fmtRate(n: number): string {
  return n < 10 ? n.toFixed(1) : fmtCount(n);
}

export function fmtPercent(f: number): string {
  return `${(f * 100).toFixed(f < 0.1 ? 2 : 1)}%`;
}

export { hueOf } from "../lib/identity-hue";
