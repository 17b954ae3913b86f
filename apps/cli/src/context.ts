/**
 * What a command runs with: the validated global options, the peer's client, a signal that
 * fires on Ctrl-C, and the two outputs (one JSON document with --json, text otherwise).
 */
import { nodeClient, type NodeClient } from "./clients.js";
import type { GlobalOptions } from "./options.js";

export interface CommandContext {
  opts: GlobalOptions;
  client: NodeClient;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export function createContext(opts: GlobalOptions, signal: AbortSignal): CommandContext {
  return { opts, client: nodeClient(opts.peer), signal, stdout: process.stdout, stderr: process.stderr };
}

/**
 * The command's result: with --json, `json` as one document on stdout; otherwise `text`
 * (a line or lines, newline added) unless it is informational and --quiet was given.
 */
export function emit(ctx: CommandContext, json: unknown, text: string | string[], informational = true): void {
  if (ctx.opts.json) {
    ctx.stdout.write(JSON.stringify(json, null, 2) + "\n");
    return;
  }
  if (informational && ctx.opts.quiet) return;
  const lines = Array.isArray(text) ? text : [text];
  if (lines.length) ctx.stdout.write(lines.join("\n") + "\n");
}

/** A status line on stderr (not with --quiet or --json). */
export function note(ctx: CommandContext, text: string): void {
  if (!ctx.opts.quiet && !ctx.opts.json) ctx.stderr.write(text + "\n");
}

/** "1712.3" style version text: wall time ms and logical counter. */
export function versionText(v: { wallTimeMs: bigint; logical: number } | undefined): string {
  if (!v) return "-";
  return `${new Date(Number(v.wallTimeMs)).toISOString()}#${v.logical}`;
}

/** "3s ago" style age of a Unix-ms time. */
export function ago(ms: bigint | number, now = Date.now()): string {
  const t = Number(ms);
  if (!t) return "never";
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}
