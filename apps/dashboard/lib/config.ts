/**
 * The dashboard's settings, from the environment, validated once:
 * - FLEET_URL: the fleet controller ("http://127.0.0.1:7000"); unset hides the fleet controls.
 * - FLEET_TOKEN: bearer token for the controller's mutating calls; stays on the server.
 * - DASHBOARD_PEERS: "host:port,..." peer HTTP addresses to crawl from when there is no controller.
 * - DASHBOARD_TIMEOUT_MS: per-peer deadline of a poll (default 800).
 */
import { isHostPort } from "./clients";

export interface DashboardConfig {
  fleetUrl?: string;
  fleetToken?: string;
  seeds: string[];
  timeoutMs: number;
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
  return { fleetUrl: fleetUrl?.replace(/\/+$/, ""), fleetToken: env.FLEET_TOKEN || undefined, seeds, timeoutMs };
}
