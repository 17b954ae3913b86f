/**
 * The dashboard's settings, from the environment, validated once:
 * - FLEET_URL: the fleet controller ("http://127.0.0.1:7000"); unset hides the fleet controls.
 * - FLEET_TOKEN: bearer token for the controller's mutating calls; stays on the server.
 * - DASHBOARD_PEERS: "host:port,..." peer HTTP addresses to crawl from when there is no controller.
 * - DASHBOARD_TIMEOUT_MS: per-peer deadline of a poll (default 800).
 * - DASHBOARD_PEER_ALLOW: comma-separated CIDRs / host patterns crawled peers must be within
 *   (default: each seed's /24 or /64; see lib/security/peer-allowlist.ts).
 * - DASHBOARD_MAX_DOWNLOAD_BYTES: largest file the dashboard proxies (default 1 GiB).
 * The request guard's settings (DASHBOARD_TOKEN, DASHBOARD_ALLOWED_HOSTS) are read by proxy.ts.
 */
import { isHostPort } from "./clients";
import { parsePeerPattern, peerAllowlist } from "./security/peer-allowlist";

export interface DashboardConfig {
  fleetUrl?: string;
  fleetToken?: string;
  seeds: string[];
  timeoutMs: number;
  allowPeer: (hostPort: string) => boolean;
  maxDownloadBytes: number;
}

/** Throws an Error naming the variable at fault. */
export function readConfig(env: Readonly<Record<string, string | undefined>> = process.env): DashboardConfig {
  const fleetUrl = env.FLEET_URL?.trim() || undefined;
  if (fleetUrl) {
    let u: URL;
    try {
      u = new URL(fleetUrl);
    } catch {
      throw new Error(`FLEET_URL: ${JSON.stringify(fleetUrl)} is not a URL`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`FLEET_URL: must be http(s), got ${u.protocol}`);
  }
  const seeds = (env.DASHBOARD_PEERS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of seeds) if (!isHostPort(s)) throw new Error(`DASHBOARD_PEERS: ${JSON.stringify(s)} is not host:port`);
  const timeoutMs = env.DASHBOARD_TIMEOUT_MS ? Number(env.DASHBOARD_TIMEOUT_MS) : 800;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 50 || timeoutMs > 60_000) throw new Error("DASHBOARD_TIMEOUT_MS: must be an integer from 50 to 60000");
  const allow = env.DASHBOARD_PEER_ALLOW ?? "";
  for (const p of allow.split(",").map((s) => s.trim()).filter(Boolean)) {
    try {
      parsePeerPattern(p);
    } catch (err) {
      throw new Error(`DASHBOARD_PEER_ALLOW: ${(err as Error).message}`);
    }
  }
  const maxDownloadBytes = env.DASHBOARD_MAX_DOWNLOAD_BYTES ? Number(env.DASHBOARD_MAX_DOWNLOAD_BYTES) : 2 ** 30;
  if (!Number.isSafeInteger(maxDownloadBytes) || maxDownloadBytes < 1) throw new Error("DASHBOARD_MAX_DOWNLOAD_BYTES: must be a positive integer");
  return {
    fleetUrl: fleetUrl?.replace(/\/+$/, ""), fleetToken: env.FLEET_TOKEN || undefined, seeds, timeoutMs,
    allowPeer: peerAllowlist(seeds, allow), maxDownloadBytes,
  };
}
