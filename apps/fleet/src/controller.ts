import { join } from "node:path";
import type { Logger } from "pino";
import { isLoopbackHost, type FleetConfig } from "./config.js";
import { Fleet } from "./fleet.js";
import { startFleetServer } from "./server.js";
import { loadOrCreateToken } from "./token.js";

/** A running controller: the fleet, its API server and its token. */
export interface FleetController {
  fleet: Fleet;
  /** http://host:port of the FleetService API. */
  url: string;
  /** The fleet token (required for mutating calls when bound beyond loopback). */
  token: string;
  /** True when this start created the token (print it once). */
  tokenCreated: boolean;
  tokenPath: string;
  /** Whether mutating calls require the token (bound to a non-loopback host). */
  tokenRequired: boolean;
  /** Closes the API, stops every peer gracefully and saves the state. */
  stop(): Promise<void>;
}

/**
 * Opens (or creates) the fleet in `config.dir`, restores or spawns its peers, then serves the
 * API. Resolves once the API listens. If the API port cannot be bound, the peers are stopped
 * again and the error is thrown.
 */
export async function startController(config: FleetConfig, logger?: Logger): Promise<FleetController> {
  const fleet = await Fleet.open({
    dir: config.dir,
    initialPeers: config.initialPeers,
    maxPeers: config.maxPeers,
    peerHost: config.peerHost,
    portBases: config.peerPortBases,
    ...(config.peerMain ? { peerMain: config.peerMain } : {}),
    ...(config.peerNodeArgs ? { peerNodeArgs: config.peerNodeArgs } : {}),
    peerDefaults: config.peerDefaults,
    readyTimeoutMs: config.readyTimeoutMs,
    stopGraceMs: config.stopGraceMs,
    spawnConcurrency: config.spawnConcurrency,
    ...(logger ? { logger } : {}),
  });
  try {
    const { token, created } = await loadOrCreateToken(config.dir);
    const tokenRequired = !isLoopbackHost(config.host);
    const server = await startFleetServer(fleet, {
      host: config.host,
      port: config.port,
      allowedHosts: config.allowedHosts,
      ...(tokenRequired ? { token } : {}),
    });
    let stopping: Promise<void> | undefined;
    return {
      fleet,
      url: `http://${server.address}`,
      token,
      tokenCreated: created,
      tokenPath: join(config.dir, "token"),
      tokenRequired,
      stop: () => (stopping ??= (async () => {
        await server.close();
        await fleet.close();
      })()),
    };
  } catch (err) {
    await fleet.close();
    throw err;
  }
}
