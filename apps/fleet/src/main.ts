#!/usr/bin/env node
// The fleet controller's command line: `npm run fleet -- --peers 5 --port 7000 --dir .fleet`.
import { pino } from "pino";
import { ConfigError, fleetUsage, parseFleetArgs, type FleetConfig } from "./config.js";
import { startController } from "./controller.js";

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  process.stdout.write(fleetUsage + "\n");
  process.exit(0);
}

// --parent-pid is for scripts that start the controller (scripts/start-local.js): like the
// peers, it leaves when that process is gone, so a kill -9 up the tree leaves no orphan.
const parentIdx = argv.indexOf("--parent-pid");
let parentPid: number | undefined;
if (parentIdx !== -1) {
  parentPid = Number(argv[parentIdx + 1]);
  argv.splice(parentIdx, 2);
  if (!Number.isInteger(parentPid) || parentPid < 1) {
    process.stderr.write(`--parent-pid: expected a process ID, got "${argv[parentIdx + 1] ?? ""}"\n`);
    process.exit(2);
  }
}

let config: FleetConfig;
try {
  config = parseFleetArgs(argv);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n\n${fleetUsage}\n`);
  process.exit(2);
}

const log = pino({ level: config.fleetLogLevel, base: { pid: process.pid, name: "fleet" } });
let controller: Awaited<ReturnType<typeof startController>>;
try {
  controller = await startController(config, log);
} catch (err) {
  log.fatal({ err: (err as Error).message }, "fleet controller failed to start");
  process.exit(1);
}

const peers = controller.fleet.list();
log.info(
  {
    url: controller.url,
    dir: config.dir,
    peers: peers.length,
    running: peers.filter((p) => p.state === "running").length,
    tokenRequired: controller.tokenRequired,
  },
  "fleet ready",
);
if (controller.tokenCreated) {
  process.stderr.write(`fleet token (saved in ${controller.tokenPath}, shown only this once): ${controller.token}\n`);
}

let shuttingDown = false;
async function shutdown(reason: string): Promise<void> {
  if (shuttingDown) {
    // Second Ctrl-C: leave now; the peers follow through their --parent-pid.
    log.warn("second signal: exiting without waiting for peers");
    process.exit(1);
  }
  shuttingDown = true;
  log.info({ reason }, "stopping fleet");
  await controller.stop();
  log.info("fleet stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
if (parentPid !== undefined) {
  setInterval(() => {
    if (process.ppid !== parentPid) void shutdown("parent process gone");
  }, 500).unref();
}
