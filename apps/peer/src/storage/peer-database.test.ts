import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import type { Contact } from "@p2p/dht";
import { open } from "lmdb";
import { DATABASE_FILE_NAME, openPeerDatabase } from "./peer-database.js";
import { DataDirLockedError } from "./data-dir-lock.js";

const PEER_DATABASE_URL = pathToFileURL(join(import.meta.dirname, "peer-database.ts")).href;

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "p2p-db-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `body` (ESM, with `openPeerDatabase` and `dir` in scope) in a child node process. */
function spawnChild(t: { after(fn: () => void): void }, dir: string, body: string): { child: ChildProcess; lines: AsyncIterator<string> } {
  const code = `const { openPeerDatabase } = await import(${JSON.stringify(PEER_DATABASE_URL)});
const dir = ${JSON.stringify(dir)};
${body}`;
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "--input-type=module", "-e", code], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator]() };
}

/** Next stdout line of a child, or a failure after `ms` (the child crashed or hung). */
async function nextLine(lines: AsyncIterator<string>, ms = 20_000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no line from child within ${ms} ms`)), ms);
  });
  try {
    const r = await Promise.race([lines.next(), deadline]);
    if (r.done) throw new Error("child closed stdout");
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

describe("openPeerDatabase", () => {
  test("the routing table survives a reopen", async (t) => {
    const dir = tempDir(t);
    const contacts: Contact[] = [
      { id: "1".repeat(64), address: "127.0.0.1:9001", httpAddress: "127.0.0.1:8001" },
      { id: "f".repeat(64), address: "[::1]:9002", httpAddress: "" },
    ];
    const db = openPeerDatabase(dir);
    try {
      assert.deepEqual(db.loadRoutingTable(), []);
      await db.saveRoutingTable(contacts);
    } finally {
      await db.close();
    }
    const again = openPeerDatabase(dir);
    try {
      assert.deepEqual(again.loadRoutingTable(), contacts);
      await again.saveRoutingTable(contacts.slice(1));
      assert.deepEqual(again.loadRoutingTable(), contacts.slice(1));
    } finally {
      await again.close();
    }
  });

  test("the identity key an older run kept in the database is read, then forgotten for good", async (t) => {
    const dir = tempDir(t);
    const key = new Uint8Array([48, 46, 2, 1, 0, 48, 5, 6, 3, 43, 101, 112, 4, 34, 4, 32, ...new Array(32).fill(7)]);
    // Written the way runs before identity.key did.
    const root = open({ path: join(dir, DATABASE_FILE_NAME), maxDbs: 4 });
    await root.openDB<unknown, string>({ name: "meta" }).put("identity.privateKey", key);
    await root.close();
    const db = openPeerDatabase(dir);
    try {
      assert.equal(db.opened.t, "whole");
      assert.deepEqual(db.loadLegacyIdentityKey(), key);
      await db.forgetLegacyIdentityKey();
      assert.equal(db.loadLegacyIdentityKey(), undefined);
    } finally {
      await db.close();
    }
    const again = openPeerDatabase(dir);
    try {
      assert.equal(again.loadLegacyIdentityKey(), undefined);
    } finally {
      await again.close();
    }
  });

  test("creates a missing data dir, and names the dir when it cannot", async (t) => {
    const base = tempDir(t);
    const db = openPeerDatabase(join(base, "a", "b", "c"));
    await db.close();
    const file = join(base, "not-a-dir");
    writeFileSync(file, "x");
    assert.throws(() => openPeerDatabase(join(file, "data")), (err: Error) => {
      assert.match(err.message, /^data dir .*not-a-dir\/data: cannot create it \(ENOTDIR\)/);
      return true;
    });
  });

  test("a second open in the same process fails; after close it works", async (t) => {
    const dir = tempDir(t);
    const db = openPeerDatabase(dir);
    try {
      assert.throws(() => openPeerDatabase(dir), DataDirLockedError);
    } finally {
      await db.close();
    }
    await openPeerDatabase(dir).close();
  });

  test("another live process holding the dir is named; its lock is taken over after kill -9", async (t) => {
    const dir = tempDir(t);
    const { child, lines } = spawnChild(t, dir, `openPeerDatabase(dir); console.log("open"); setInterval(() => {}, 1000);`);
    assert.equal(await nextLine(lines), "open");
    assert.throws(() => openPeerDatabase(dir), (err: Error) => {
      assert.ok(err instanceof DataDirLockedError);
      assert.equal(err.holderPid, child.pid);
      assert.ok(err.message.includes(dir) && err.message.includes(`pid ${child.pid}`), err.message);
      return true;
    });
    child.kill("SIGKILL");
    await exited(child);
    await openPeerDatabase(dir).close();
  });

  test("acknowledged writes survive kill -9 right after the acknowledgement", async (t) => {
    const dir = tempDir(t);
    // The child acknowledges each write on stdout as soon as merge() resolves, and keeps
    // writing; the parent kills it mid-stream and then checks every acknowledged key.
    const { child, lines } = spawnChild(t, dir, `
const db = openPeerDatabase(dir);
const writer = "c".repeat(64);
for (let i = 0; ; i++) {
  const value = new Uint8Array(1024).fill(i % 256);
  const key = "durable-" + i;
  await db.records.merge({ key, value, version: { wallMs: 1000 + i, logical: 0, writer }, tombstone: false });
  process.stdout.write(key + "\\n");
}`);
    const acked: string[] = [];
    while (acked.length < 50) acked.push(await nextLine(lines));
    child.kill("SIGKILL");
    await exited(child);
    assert.equal(child.signalCode, "SIGKILL");

    const db = openPeerDatabase(dir);
    try {
      for (const [i, key] of acked.entries()) {
        const r = await db.records.get(key);
        assert.ok(r, `acknowledged ${key} lost`);
        assert.equal(r.version.wallMs, 1000 + i);
        assert.equal(r.value.length, 1024);
        assert.equal(r.value[0], i % 256);
      }
      assert.ok(db.records.count() >= acked.length);
    } finally {
      await db.close();
    }
  });
});
