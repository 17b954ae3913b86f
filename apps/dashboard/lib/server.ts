/**
 * Server-side singletons for the route handlers: one snapshot collector and one fleet
 * client per process (kept on globalThis so dev-mode reloads do not multiply them), and
 * the JSON error shape every route returns.
 */
import { ConnectError } from "@connectrpc/connect";
import { readConfig, type DashboardConfig } from "./config";
import { fleetClient, type FleetClient } from "./clients";
import { describeError } from "./peer-data";
import { SnapshotCollector } from "./snapshot";

interface State { config: DashboardConfig; collector: SnapshotCollector; fleet?: FleetClient }
const g = globalThis as typeof globalThis & { __p2pDashboard?: State };

/** The process's collector and settings; throws (naming the variable) when the environment is invalid. */
export function state(): State {
  if (!g.__p2pDashboard) {
    const config = readConfig();
    g.__p2pDashboard = {
      config,
      collector: new SnapshotCollector({ fleetUrl: config.fleetUrl, fleetToken: config.fleetToken, seeds: config.seeds, timeoutMs: config.timeoutMs, allowPeer: config.allowPeer }),
      fleet: config.fleetUrl ? fleetClient(config.fleetUrl, config.fleetToken) : undefined,
    };
  }
  return g.__p2pDashboard;
}

/** A JSON error response: { error } with a status that matches the cause. */
export function errorResponse(err: unknown, status?: number): Response {
  if (err instanceof ConnectError) {
    // Connect codes → HTTP: caller mistakes 400, missing 404, remote trouble 502/504, a
    // controller too old for the call 501.
    const http = { 3: 400, 5: 404, 7: 403, 9: 409, 12: 501, 16: 401, 4: 504 }[err.code as number] ?? 502;
    return Response.json({ error: describeError(err) }, { status: status ?? http });
  }
  return Response.json({ error: err instanceof Error ? err.message : String(err) }, { status: status ?? 500 });
}

/** Per-call deadline for user actions (put/get/delete, fleet calls): longer than a poll's. */
export const ACTION_TIMEOUT_MS = 10_000;
