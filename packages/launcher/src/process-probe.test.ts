import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { commandLine, isAlive, isPeerOf } from "./process-probe.js";

test("the current process is alive and its command line names its script", async () => {
  assert.equal(isAlive(process.pid), true);
  const args = await commandLine(process.pid);
  if (args === undefined) return; // no /proc here: nothing more to check
  assert.ok(args.some((a) => a.endsWith("process-probe.test.ts")), args.join(" "));
});

test("pid 0, negative pids and exited processes are not alive and have no command line", async () => {
  assert.equal(isAlive(0), false);
  assert.equal(isAlive(-1), false);
  assert.equal(isAlive(1.5), false);
  const child = spawn(process.execPath, ["-e", ""]);
  const pid = child.pid!;
  await once(child, "exit");
  assert.equal(isAlive(pid), false);
  assert.equal(await commandLine(pid), undefined);
  assert.equal(await commandLine(0), undefined);
});

test("a pid is a peer of a data dir only when its command line names that dir", async (t) => {
  // Only names on a command line: neither dir is created.
  const dirA = join(tmpdir(), "peer-a");
  const dirB = join(tmpdir(), "peer-b");
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)", "--", "--data-dir", dirA]);
  t.after(() => child.kill("SIGKILL"));
  await new Promise((r) => setTimeout(r, 200));
  if ((await commandLine(child.pid!)) === undefined) return; // no /proc
  assert.equal(await isPeerOf({ pid: child.pid!, dataDir: dirA }), true);
  assert.equal(await isPeerOf({ pid: child.pid!, dataDir: dirB }), false);
  assert.equal(await isPeerOf({ pid: 0, dataDir: dirA }), false);
});
