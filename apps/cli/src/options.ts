/**
 * Global options and the checks of every user-supplied value, done before any call so that
 * bad input fails fast with exit code 2 and the same wording the peer would use.
 */
import { usageError } from "./errors.js";

/** Default peer: the first peer of `npm start`. */
export const DEFAULT_PEER = "http://127.0.0.1:8001";
/** Default deadline of a unary call, and the longest a transfer may go without progress. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Largest key the peer accepts, in UTF-8 bytes (packages/dht record-validation.ts). */
export const MAX_KEY_BYTES = 1024;

/** Options every command sees, after validation. */
export interface GlobalOptions {
  /** Base URL of the peer's HTTP port, without a trailing slash. */
  peer: string;
  json: boolean;
  quiet: boolean;
  timeoutMs: number;
}

/** Raw values as commander hands them over. */
export interface RawGlobalOptions {
  peer?: string;
  json?: boolean;
  quiet?: boolean;
  timeout?: string;
}

/** Validates the global options; `env` is consulted for P2P_PEER when --peer is absent. */
export function resolveGlobalOptions(raw: RawGlobalOptions, env: NodeJS.ProcessEnv = process.env): GlobalOptions {
  const peer = parsePeerUrl(raw.peer ?? (env.P2P_PEER || DEFAULT_PEER));
  const timeoutMs = raw.timeout === undefined ? DEFAULT_TIMEOUT_MS : parsePositiveInt(raw.timeout, "--timeout", 1, 24 * 3600_000);
  return { peer, json: raw.json === true, quiet: raw.quiet === true, timeoutMs };
}

/** A peer URL: http(s)://host:port, or host:port (http assumed). */
export function parsePeerUrl(value: string): string {
  const text = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw usageError(`--peer: not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw usageError(`--peer: must be an http:// or https:// URL, got ${JSON.stringify(value)}`);
  if (url.search || url.hash || url.username) throw usageError(`--peer: must be scheme://host:port only, got ${JSON.stringify(value)}`);
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/** An integer in [min, max], for options such as --limit, --interval, --timeout. */
export function parsePositiveInt(value: string, name: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value.trim())) throw usageError(`${name}: must be an integer, got ${JSON.stringify(value)}`);
  const n = Number(value.trim());
  if (!Number.isSafeInteger(n) || n < min || n > max) throw usageError(`${name}: must be from ${min} to ${max}, got ${value}`);
  return n;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The peer's key rule: 1 to 1024 bytes of UTF-8, no lone surrogate; same wording as the peer. */
export function validateKey(key: string, field = "key"): string {
  const bytes = Buffer.byteLength(key, "utf8");
  if (bytes < 1 || bytes > MAX_KEY_BYTES) throw usageError(`${field}: must be 1 to ${MAX_KEY_BYTES} bytes of UTF-8, got ${bytes}`);
  const lone = LONE_SURROGATE.exec(key);
  if (lone) throw usageError(`${field}: must be valid UTF-8, has a lone surrogate at index ${lone.index}`);
  return key;
}

/** A file ID: 64 lowercase hex characters (SHA-256 of the manifest). */
export function validateFileId(id: string): string {
  if (!/^[0-9a-f]{64}$/.test(id)) throw usageError(`id: must be 64 lowercase hex characters, got ${JSON.stringify(id.length > 80 ? id.slice(0, 80) + "…" : id)}`);
  return id;
}

const SIZE_UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A byte rate such as 500k, 2M, 1048576 (bytes per second; k/M/G are powers of 1024). */
export function parseByteRate(value: string, name = "--limit-rate"): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(value.trim());
  if (!m) throw usageError(`${name}: must be a byte rate such as 500k or 2M, got ${JSON.stringify(value)}`);
  const n = Math.floor(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!);
  if (n < 1) throw usageError(`${name}: must be at least 1 byte per second, got ${JSON.stringify(value)}`);
  return n;
}
