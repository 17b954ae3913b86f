import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { found, historyText, notFound, phase, put, ver } from "./testing/history-fixtures.js";

const CLI = fileURLToPath(new URL("./cli.ts", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source, as `node --import tsx cli.ts ...args`. */
function checkHistoryCli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: fileURLToPath(new URL(".", import.meta.url)) }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("check-history CLI", () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "check-history-cli-"));
    const write = put({ id: 1, value: "a", start: 0, end: 10 });
    await writeFile(file("valid.jsonl"), historyText(write, phase("final-reads", 100), found({ id: 2, start: 101, end: 102, value: "a", version: ver(10) })));
    await writeFile(file("lost.jsonl"), historyText(write, phase("final-reads", 100), notFound({ id: 2, start: 101, end: 102 })));
    await writeFile(file("invalid.jsonl"), historyText(write, '{"type":"op","id":2,"client":"c1","f":"get","start":5}'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("exits 0 and prints the verdict for a history without anomalies", async () => {
    const r = await checkHistoryCli(file("valid.jsonl"));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^VALID: no anomalies in 2 ops on 1 key, 1 final read\n/);
    assert.equal(r.stderr, "");
  });

  it("exits 1 and explains each anomaly when there are some", async () => {
    const r = await checkHistoryCli(file("lost.jsonl"));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^INVALID: 1 anomaly \(1 lost-write\)/);
    assert.match(r.stdout, /lost-write: final get 2 on key "k" .* put 1 /);
  });

  it("prints the verdict as JSON with --json", async () => {
    const r = await checkHistoryCli("--json", file("lost.jsonl"));
    assert.equal(r.code, 1, r.stderr);
    const verdict = JSON.parse(r.stdout) as { valid: boolean; counts: Record<string, number> };
    assert.equal(verdict.valid, false);
    assert.equal(verdict.counts["lost-write"], 1);
  });

  it("exits 2 with one line naming the line and field of an invalid history", async () => {
    const r = await checkHistoryCli(file("invalid.jsonl"));
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, `check-history: ${file("invalid.jsonl")}: invalid history: line 3: key: missing (expected a string)\n`);
  });

  it("exits 2 for a file it cannot read, and for bad usage", async () => {
    const missing = await checkHistoryCli(file("missing.jsonl"));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^check-history: cannot read .*missing\.jsonl: ENOENT/);
    assert.equal(missing.stderr.trim().split("\n").length, 1);
    const usage = await checkHistoryCli();
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /expected one history file, got 0\nusage: check-history/);
  });
});
