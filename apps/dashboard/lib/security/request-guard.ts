/**
 * Request checks every dashboard request passes (run once, by proxy.ts, so no route can
 * forget them):
 * - Host: a DNS name other than localhost must be listed (DASHBOARD_ALLOWED_HOSTS). A page on
 *   evil.example that rebinds its name to 127.0.0.1 is then same-origin with nothing here.
 * - Mutations (any method but GET/HEAD/OPTIONS) must be same-origin and JSON. A cross-site
 *   page can send a "simple" request (text/plain, form encodings) without a CORS preflight,
 *   and the browser still delivers it with the operator's network position (CSRF).
 */
import { isIP } from "node:net";

export type Verdict = { ok: true } | { ok: false; status: number; error: string };
const OK: Verdict = { ok: true };
const refuse = (status: number, error: string): Verdict => ({ ok: false, status, error });

/** Header lookup, case-insensitive (a Headers object or a plain record in tests). */
export type HeaderGet = (name: string) => string | null;

/** The hostname of a Host header ("[::1]:3000" → "::1"), lowercased; undefined when malformed. */
export function hostnameOf(host: string): string | undefined {
  try {
    return new URL(`http://${host}`).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  } catch {
    return undefined;
  }
}

/** Parses DASHBOARD_ALLOWED_HOSTS ("dash.lan, ops.example") into lowercased host names. */
export function parseAllowedHosts(raw: string | undefined): Set<string> {
  return new Set((raw ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean).map((s) => hostnameOf(s) ?? s));
}

/** IP literals and localhost are always fine; any other name must be in `allowed` (DNS rebinding). */
export function checkHost(host: string | null, allowed: ReadonlySet<string>): Verdict {
  if (!host) return refuse(400, "Host: the header is missing");
  const name = hostnameOf(host);
  if (name === undefined) return refuse(400, `Host: ${JSON.stringify(host.slice(0, 100))} is malformed`);
  if (isIP(name) || name === "localhost" || allowed.has(name)) return OK;
  return refuse(403, `Host: ${JSON.stringify(name)} is not an allowed name for this dashboard (add it to DASHBOARD_ALLOWED_HOSTS)`);
}

/** Whether a URL (an Origin or Referer) names the same scheme-host-port the request was sent to. */
function sameOrigin(url: string, host: string): boolean {
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") return false;
    // Rebuilt with the URL's own scheme, so "x:80" and "http://x" compare equal.
    return new URL(`${u.protocol}//${host}`).host === u.host;
  } catch {
    return false;
  }
}

export const isMutation = (method: string): boolean => !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase());

/**
 * The media types a mutation may carry: JSON everywhere, raw bytes for the file upload
 * (PUT /api/files). Neither is a CORS "simple" type, so a cross-site page cannot send them
 * without a preflight, which the dashboard never answers.
 */
export function allowedBodyTypes(method: string, pathname: string): string[] {
  return method.toUpperCase() === "PUT" && pathname === "/api/files" ? ["application/octet-stream"] : ["application/json"];
}

/** Same-origin and content-type checks for a mutating request; OK for reads. */
export function checkMutation(method: string, pathname: string, get: HeaderGet): Verdict {
  if (!isMutation(method)) return OK;
  const host = get("host") ?? "";
  const origin = get("origin");
  if (origin !== null) {
    if (!sameOrigin(origin, host)) return refuse(403, `Origin: ${JSON.stringify(origin.slice(0, 200))} is not this dashboard (${host}); cross-site requests are refused`);
  } else {
    // Browsers send Origin on every non-GET fetch; without one, accept only proof of a same-origin sender.
    const site = get("sec-fetch-site");
    const referer = get("referer");
    if (site !== null && site !== "same-origin") return refuse(403, `Sec-Fetch-Site: ${site}; cross-site requests are refused`);
    if (site !== "same-origin" && !(referer && sameOrigin(referer, host))) {
      return refuse(403, "Origin: missing; a mutating request must come from the dashboard's own pages (send Origin matching Host)");
    }
  }
  const type = (get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const wanted = allowedBodyTypes(method, pathname);
  if (!wanted.includes(type)) return refuse(415, `Content-Type: must be ${wanted.join(" or ")}, got ${JSON.stringify(type || "(none)")}`);
  return OK;
}
