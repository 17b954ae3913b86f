#!/usr/bin/env node
/**
 * `npm run chaos -- --seed 42 --seconds 60`: starts a fleet of local peers in a fresh directory,
 * runs one chaos run against it (chaos-run.ts), prints the checker's verdict and exits 0 when
 * the history is valid, 1 with anomalies, 2 when the run could not be made. The run's files
 * (history.jsonl, verdict.txt) stay in the directory printed at the end.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { waitForFullTables } from "@p2p/launcher";
import { pino } from "pino";
import { Fleet } from "../fleet.js";
import { FAULT_KINDS } from "./chaos-options.js";

const usage = `Usage: npm run chaos -- [options]
  --seed N         PRNG seed (default: random, printed)
  --seconds N      length of the fault phase, 5-3600 (default 60)
  --peers N        local peers, 3-50 (default 7)
  --clients N      concurrent clients, 1-64 (default 8)
  --keys N         distinct keys, 1-10000 (default 40)
  --faults LIST    comma-separated kinds among ${FAULT_KINDS.join(",")} (default all)
  --dir PATH       fleet directory (default: a new one under the system temp dir)
  --peer-main PATH peer entry point (default apps/peer/dist/main.js)`;

function fail(message: string): never {
  process.stderr.write(`chaos: ${message}\n\n${usage}\n`);
  process.exit(2);
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      seed: { type: "string" }, seconds: { type: "string" }, peers: { type: "string" }, clients: { type: "string" },
      keys: { type: "string" }, faults: { type: "string" }, dir: { type: "string" }, "peer-main": { type: "string" }, help: { type: "boolean", short: "h" },
    },
    strict: true,
  }).values;
}
try {
  args = parse();
} catch (err) {
  fail((err as Error).message);
}
if (args.help) {
  process.stdout.write(usage + "\n");
  process.exit(0);
}
const int = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) fail(`--${name}: expected a whole number, got "${v}"`);
  return Number(v);
};
const peers = int("peers", args.peers) ?? 7;
if (peers < 3 || peers > 50) fail(`--peers: must be from 3 to 50, got ${peers}`);

const log = pino({ level: process.env.P2P_CHAOS_LOG_LEVEL ?? "warn", base: { name: "chaos" } });
const dir = args.dir ? resolve(args.dir) : await mkdtemp(join(tmpdir(), "p2p-chaos-"));
// Short deadlines and frequent repair: a run lasts a minute, not a day.
const fleet = await Fleet.open({
  dir,
  initialPeers: peers,
  logger: log,
  ...(args["peer-main"] ? { peerMain: resolve(args["peer-main"]) } : {}),
  peerDefaults: { rpcTimeoutMs: 500, requestTimeoutMs: 3000, repairIntervalMs: 5000, logLevel: "warn" },
});
let code = 2;
try {
  const running = fleet.list().filter((p) => p.state === "running");
  if (running.length !== peers) throw new Error(`only ${running.length} of ${peers} peers started`);
  await waitForFullTables(running.map((p) => p.httpAddress));

  let started;
  try {
    started = fleet.chaos.start({
      ...(args.seed !== undefined ? { seed: int("seed", args.seed)! } : {}),
      ...(args.seconds !== undefined ? { seconds: int("seconds", args.seconds)! } : {}),
      ...(args.clients !== undefined ? { clients: int("clients", args.clients)! } : {}),
      ...(args.keys !== undefined ? { keys: int("keys", args.keys)! } : {}),
      ...(args.faults ? { faults: args.faults.split(",").map((s) => s.trim()).filter(Boolean) } : {}),
    });
  } catch (err) {
    fail((err as Error).message.replace(/^\[\w+\] /, ""));
  }
  const run = fleet.chaos.get(started.id);
  process.stdout.write(`chaos run ${run.id}: seed ${started.options.seed}, ${started.options.seconds} s, ${peers} peers, ${started.options.clients} clients, ${started.options.keys} keys, faults ${started.options.faults.join(",")}\n`);
  const progress = setInterval(() => {
    const v = run.view();
    process.stdout.write(`  ${v.state}: ${v.counts.ops} ops (${v.counts.ok} ok, ${v.counts.fail} fail, ${v.counts.unknown} unknown), ${v.faults.length} faults\n`);
  }, 5000);
  await run.done;
  clearInterval(progress);
  const v = run.view();
  if (v.state === "error") throw new Error(v.error);
  process.stdout.write(`\n${v.verdict}\n\nhistory: ${v.historyPath}\n`);
  code = v.state === "passed" ? 0 : 1;
} catch (err) {
  process.stderr.write(`chaos: ${(err as Error).message}\n`);
  code = 2;
} finally {
  await fleet.close();
}
process.exit(code);
