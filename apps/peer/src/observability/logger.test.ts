import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { createLogger } from "./logger.js";

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, lines: () => chunks.join("").split("\n").filter(Boolean).map((l) => JSON.parse(l)) };
}

test("writes JSON lines with level names, and the level changes live", () => {
  const out = capture();
  const log = createLogger({ level: "info", name: "peer", destination: out.stream });
  log.debug({ a: 1 }, "hidden");
  log.info({ peerId: "ab" }, "shown");
  log.level = "debug";
  log.debug({ a: 2 }, "now shown");
  const lines = out.lines();
  assert.deepEqual(lines.map((l) => l.msg), ["shown", "now shown"]);
  assert.equal(lines[0]!.level, "info");
  assert.equal(lines[0]!.name, "peer");
  assert.equal(lines[0]!.peerId, "ab");
  assert.equal(lines[0]!.pid, process.pid);
  assert.ok(!Number.isNaN(Date.parse(String(lines[0]!.time))));
});

test("a line logged right before process.exit reaches stdout", () => {
  const url = pathToFileURL(join(import.meta.dirname, "logger.ts")).href;
  const code = `const { createLogger } = await import(${JSON.stringify(url)});
const log = createLogger({ level: "info" });
for (let i = 0; i < 1000; i++) log.info({ i }, "filler");
log.info({ port: 1234 }, "peer ready");
process.exit(0);`;
  const r = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", "--input-type=module", "-e", code], {
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.length, 1001);
  assert.equal(JSON.parse(lines.at(-1)!).msg, "peer ready");
});
