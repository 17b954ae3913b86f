#!/usr/bin/env node
/**
 * check-history <file.jsonl> [--json] [--max-per-kind N] [--settle-ms N]
 *
 * Checks a chaos run's history and prints the verdict (text, or the Verdict as JSON).
 * Exit status: 0 valid, 1 anomalies found, 2 bad input (usage, unreadable file, invalid
 * history), each bad input reported on one line of stderr.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { checkHistory } from "./check-history.js";
import { formatVerdict } from "./format-verdict.js";
import { HistoryParseError, parseHistory } from "./parse-history.js";

const USAGE = `usage: check-history <history.jsonl> [--json] [--max-per-kind N] [--settle-ms N]

  --json             print the verdict as JSON instead of text
  --max-per-kind N   anomalies shown per kind in the text report (default 20)
  --settle-ms N      a stale read up to N ms after a fault ends is put down to the fault
                     (default: the header's meta.settleMs, else 0)

exit status: 0 valid, 1 anomalies found, 2 bad input`;

const EXIT_VALID = 0;
const EXIT_ANOMALIES = 1;
const EXIT_BAD_INPUT = 2;

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: "boolean", default: false },
        "max-per-kind": { type: "string" },
        "settle-ms": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    return badInput(`${(err as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_VALID;
  }
  if (positionals.length !== 1) return badInput(`expected one history file, got ${positionals.length}\n${USAGE}`);
  const maxPerKind = values["max-per-kind"] === undefined ? undefined : Number(values["max-per-kind"]);
  if (maxPerKind !== undefined && !(Number.isInteger(maxPerKind) && maxPerKind >= 0)) {
    return badInput(`--max-per-kind: expected a non-negative integer, got ${JSON.stringify(values["max-per-kind"])}`);
  }
  const settleArg = values["settle-ms"] === undefined ? undefined : Number(values["settle-ms"]);
  if (settleArg !== undefined && !(Number.isInteger(settleArg) && settleArg >= 0)) {
    return badInput(`--settle-ms: expected a non-negative integer, got ${JSON.stringify(values["settle-ms"])}`);
  }
  const path = positionals[0]!;

  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    return badInput(`cannot read ${path}: ${(err as Error).message}`);
  }
  let history;
  try {
    history = parseHistory(text);
  } catch (err) {
    if (!(err instanceof HistoryParseError)) throw err;
    if (values.json) process.stdout.write(`${JSON.stringify({ error: "invalid history", issues: err.issues }, null, 2)}\n`);
    // One line, naming the first bad line and field: what a script or CI log shows.
    return badInput(`${path}: invalid history: ${err.message}`);
  }

  const fromHeader = history.header.meta?.settleMs;
  const settleMs = settleArg ?? (typeof fromHeader === "number" && Number.isFinite(fromHeader) && fromHeader >= 0 ? fromHeader : 0);
  const verdict = checkHistory(history, { settleMs });
  process.stdout.write(values.json ? `${JSON.stringify(verdict, null, 2)}\n` : formatVerdict(verdict, maxPerKind === undefined ? {} : { maxPerKind }));
  return verdict.valid ? EXIT_VALID : EXIT_ANOMALIES;
}

function badInput(message: string): number {
  process.stderr.write(`check-history: ${message}\n`);
  return EXIT_BAD_INPUT;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`check-history: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = EXIT_BAD_INPUT;
  },
);
