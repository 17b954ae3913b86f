#!/usr/bin/env node
/**
 * `npm run fuzz -- --seconds 60`: starts a few local peers, fuzzes every surface they expose
 * (fuzz-run.ts) and prints requests by kind, how they ended, and every finding. Exits 0 when
 * clean, 1 with findings, 2 when the run could not be made.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatFuzzReport, fuzzFindings, runFuzz } from "./fuzz-run.js";

const usage = `Usage: npm run fuzz -- [options]
  --seconds N       how long to send requests, 1-86400 (default 60)
  --peers N         local peers, 1-20 (default 5)
  --seed N          PRNG seed (default: random, printed)
  --concurrency N   requests in flight, 1-64 (default 8)
  --deadline-ms N   a request unanswered this long is a hang, 1000-120000 (default 10000)
  --peer-main PATH  peer entry point (default apps/peer/dist/main.js)`;

function fail(message: string): never {
  process.stderr.write(`fuzz: ${message}\n\n${usage}\n`);
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      seconds: { type: "string" }, peers: { type: "string" }, seed: { type: "string" }, concurrency: { type: "string" },
      "deadline-ms": { type: "string" }, "peer-main": { type: "string" }, help: { type: "boolean", short: "h" },
    },
    strict: true,
  }));
} catch (err) {
  fail((err as Error).message);
}
if (values.help) {
  process.stdout.write(usage + "\n");
  process.exit(0);
}
function int(name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== "string" || !/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) fail(`--${name}: expected a whole number from ${min} to ${max}, got "${String(raw)}"`);
  return Number(raw);
}

const seed = int("seed", Math.floor(Math.random() * 2 ** 31), 0, 2 ** 32 - 1);
const options = {
  seconds: int("seconds", 60, 1, 86_400),
  peers: int("peers", 5, 1, 20),
  seed,
  concurrency: int("concurrency", 8, 1, 64),
  deadlineMs: int("deadline-ms", 10_000, 1000, 120_000),
  ...(typeof values["peer-main"] === "string" ? { peerMain: resolve(values["peer-main"]) } : {}),
  onProgress: (line: string) => process.stdout.write(`  ${line}\n`),
};
process.stdout.write(`fuzz: seed ${seed}, ${options.seconds} s against ${options.peers} peers\n`);
try {
  const report = await runFuzz(options);
  process.stdout.write(formatFuzzReport(report) + "\n");
  process.exit(fuzzFindings(report) ? 1 : 0);
} catch (err) {
  process.stderr.write(`fuzz: ${(err as Error).message}\n`);
  process.exit(2);
}
