import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { mergePeerSettings, peerSettingFlags, type PeerSettings, type PeerSettingsInput } from "./peer-settings.js";

/** The controller's configuration; `parseFleetArgs` documents each flag and its default. */
export interface FleetConfig {
  /** API bind host (`--host`, default 127.0.0.1). Anything but loopback requires the token on every call. */
  host: string;
  /** DNS names the API answers to besides addresses and localhost (`--allowed-host`, repeatable). */
  allowedHosts: string[];
  /** API port (`--port`, default 7000; 0 = OS picks, see the "fleet ready" line). */
  port: number;
  /** Fleet directory: state file, token, peers' data dirs (`--dir`, default .fleet, resolved against the cwd). */
  dir: string;
  /** Peers spawned when the fleet directory is new (`--peers`, default 5; 0 for an empty fleet). */
  initialPeers: number;
  /** Upper bound on peers in the fleet, stopped ones included (`--max-peers`, default 200, at most 1000). */
  maxPeers: number;
  /** Host the peers bind and advertise (`--peer-host`, default 127.0.0.1). */
  peerHost: string;
  /** Ports of peer-0 (`--http-port-base` 8001, `--grpc-port-base` 9001; 0 = OS picks); peer-N gets base+N or the next free. */
  peerPortBases: { http: number; grpc: number };
  /** Peer entry point (`--peer-main`, default the repository's built apps/peer/dist/main.js). */
  peerMain?: string;
  /** Node flags of every peer (`--peer-node-flags="--a --b"`: the "=" lets the value start with dashes; "" for none). Default: the launcher's DEFAULT_PEER_NODE_ARGS. */
  peerNodeArgs?: string[];
  /** Defaults for spawned peers (`--replication-factor`, `--write-quorum`, …, `--log-level`). */
  peerDefaults: PeerSettings;
  /** How long a peer may take to print its ready line (`--ready-timeout-ms`, default 30000). */
  readyTimeoutMs: number;
  /** SIGTERM grace before SIGKILL when stopping a peer (`--stop-grace-ms`, default 10000). */
  stopGraceMs: number;
  /** Peers started at once during a spawn (`--spawn-concurrency`, default 4: start-up is CPU-bound). */
  spawnConcurrency: number;
  /** The controller's own log level (`--fleet-log-level`, default info). */
  fleetLogLevel: string;
}

export const fleetUsage = `Usage: npm run fleet -- [flags]
  --peers N              peers to spawn when the fleet dir is new (default 5)
  --port P               FleetService API port (default 7000; 0 = any)
  --host H               API bind host (default 127.0.0.1; elsewhere every call needs the token)
  --allowed-host NAME    a DNS name the API answers to (repeatable); addresses and localhost always work
  --dir D                fleet directory (default .fleet)
  --max-peers N          fleet size limit (default 200)
  --peer-host H          host peers bind and advertise (default 127.0.0.1)
  --http-port-base P     HTTP port of peer-0; peer-N asks for P+N, the next free one if taken (default 8001; 0 = any)
  --grpc-port-base P     gRPC port of peer-0, likewise (default 9001; 0 = any)
  --peer-main FILE       peer entry point (default apps/peer/dist/main.js)
  --peer-node-flags="F"  node flags of every peer, space-separated ("" for none; default --max-semi-space-size=1)
  --ready-timeout-ms N   peer start-up deadline (default 30000)
  --stop-grace-ms N      SIGTERM grace before SIGKILL (default 10000)
  --spawn-concurrency N  peers started at once (default 4)
  --fleet-log-level L    controller log level (default info)
  peer defaults: --replication-factor --write-quorum --read-quorum --consistency
                 --max-value-bytes --log-level --rpc-timeout-ms --request-timeout-ms --refresh-interval-ms
                 --repair-interval-ms
  security:      --network-key FILE (a private network: 64 hex characters, e.g. openssl rand -hex 32)
                 --insecure (plaintext between peers, no peer authentication: debugging only)`;

/** A bad flag: the message names it. main() prints it with the usage and exits 2. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

function int(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`--${flag}: expected an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

const kebab = (flag: string) => flag.replace(/^--/, "");

/** Parses and validates the controller's flags (no positional arguments). Throws ConfigError. */
export function parseFleetArgs(argv: readonly string[], cwd = process.cwd()): FleetConfig {
  const str = { type: "string" } as const;
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        peers: str, port: str, host: str, dir: str, "max-peers": str, "peer-host": str, "peer-main": str, "peer-node-flags": str,
        "http-port-base": str, "grpc-port-base": str,
        "ready-timeout-ms": str, "stop-grace-ms": str, "spawn-concurrency": str, "fleet-log-level": str,
        "allowed-host": { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
        ...Object.fromEntries(peerSettingFlags.map(([key, flag]) => [kebab(flag), key === "insecure" ? ({ type: "boolean" } as const) : str])),
      },
    }));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const s = (k: string) => values[k] as string | undefined;
  const nonEmpty = (k: string, fallback: string) => {
    const v = s(k);
    if (v === undefined) return fallback;
    if (!v.trim()) throw new ConfigError(`--${k}: must not be empty`);
    return v;
  };

  const maxPeers = int("max-peers", s("max-peers"), 200, 1, 1000);
  const initialPeers = int("peers", s("peers"), 5, 0, 200);
  if (initialPeers > maxPeers) throw new ConfigError(`--peers: ${initialPeers} exceeds --max-peers (${maxPeers})`);

  const peerDefaults: PeerSettingsInput = {};
  for (const [key, flag] of peerSettingFlags) {
    if (key === "insecure") {
      if (values.insecure === true) peerDefaults.insecure = true;
      continue;
    }
    const raw = s(kebab(flag));
    if (raw === undefined) continue;
    // The two text settings are checked by the schema in mergePeerSettings.
    if (key === "logLevel") peerDefaults.logLevel = raw;
    else if (key === "consistency") peerDefaults.consistency = raw as PeerSettingsInput["consistency"];
    // Peers may run in another directory: the key file is named absolutely.
    else if (key === "networkKeyFile") peerDefaults.networkKeyFile = resolve(cwd, raw);
    else peerDefaults[key] = int(kebab(flag), raw, 0, 1, Number.MAX_SAFE_INTEGER);
  }
  let merged: PeerSettings;
  try {
    merged = mergePeerSettings({}, peerDefaults);
  } catch (err) {
    const [field, ...rest] = (err as Error).message.split(": ");
    const flag = peerSettingFlags.find(([k]) => k === field)?.[1] ?? field;
    throw new ConfigError(`${flag}: ${rest.join(": ")}`);
  }

  const fleetLogLevel = nonEmpty("fleet-log-level", "info");
  if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(fleetLogLevel)) {
    throw new ConfigError(`--fleet-log-level: expected fatal, error, warn, info, debug, trace or silent, got "${fleetLogLevel}"`);
  }
  const peerMain = s("peer-main");
  const nodeFlags = s("peer-node-flags");
  const peerNodeArgs = nodeFlags?.split(/\s+/).filter(Boolean);
  const badFlag = peerNodeArgs?.find((f) => !/^--[a-z0-9][a-z0-9_-]*(=\S+)?$/i.test(f));
  if (badFlag !== undefined) throw new ConfigError(`--peer-node-flags: each must be a node flag like --max-semi-space-size=1, got "${badFlag}"`);
  return {
    host: nonEmpty("host", "127.0.0.1"),
    allowedHosts: allowedHostNames(values["allowed-host"] as string[] | undefined),
    port: int("port", s("port"), 7000, 0, 65535),
    dir: resolve(cwd, nonEmpty("dir", ".fleet")),
    initialPeers,
    maxPeers,
    peerHost: nonEmpty("peer-host", "127.0.0.1"),
    peerPortBases: { http: int("http-port-base", s("http-port-base"), 8001, 0, 65535), grpc: int("grpc-port-base", s("grpc-port-base"), 9001, 0, 65535) },
    ...(peerMain !== undefined ? { peerMain: resolve(cwd, peerMain) } : {}),
    ...(peerNodeArgs ? { peerNodeArgs } : {}),
    peerDefaults: merged,
    readyTimeoutMs: int("ready-timeout-ms", s("ready-timeout-ms"), 30_000, 100, 600_000),
    stopGraceMs: int("stop-grace-ms", s("stop-grace-ms"), 10_000, 0, 600_000),
    spawnConcurrency: int("spawn-concurrency", s("spawn-concurrency"), 4, 1, 64),
    fleetLogLevel,
  };
}

function allowedHostNames(raw: string[] | undefined): string[] {
  for (const name of raw ?? []) {
    if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/i.test(name)) throw new ConfigError(`--allowed-host: expected a DNS name like fleet.example, got "${name}"`);
  }
  return raw ?? [];
}

/** True for addresses only this machine can reach: there the token is not required. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
