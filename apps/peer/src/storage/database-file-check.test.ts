/**
 * The check of the database file before LMDB maps it, on files lmdb-js really wrote and then
 * damaged the ways disks and copies do: cut short, meta pages overwritten, B-tree and value
 * pages overwritten.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, copyFileSync, existsSync, fstatSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkDatabaseFile, LMDB_MAGIC } from "./database-file-check.js";
import { DATABASE_FILE_NAME, DatabaseDamagedError, openPeerDatabase } from "./peer-database.js";

const W = "a".repeat(64);

const show = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? String(x) : x));

describe("checkDatabaseFile", () => {
  let base: string;
  /** A healthy peer.mdb: 3,000 small records (branch pages) and 20 values over a page (overflow pages). */
  let healthy: string;
  let pageBytes: number;
  let n = 0;

  before(async () => {
    base = mkdtempSync(join(tmpdir(), "p2p-filecheck-"));
    const dir = join(base, "healthy");
    const db = openPeerDatabase(dir);
    for (let i = 0; i < 3000; i++) {
      await db.records.merge({ key: `small-${i}`, value: Buffer.from(`value ${i}`), version: { wallMs: 1, logical: 0, writer: W }, tombstone: false });
    }
    for (let i = 0; i < 20; i++) {
      await db.records.merge({ key: `big-${i}`, value: Buffer.alloc(10_000, i), version: { wallMs: 1, logical: 0, writer: W }, tombstone: false });
    }
    await db.close();
    healthy = join(dir, DATABASE_FILE_NAME);
    const state = checkDatabaseFile(healthy);
    assert.equal(state.t, "whole", show(state));
    pageBytes = state.t === "whole" ? state.meta.pageBytes : 0;
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  /** A copy of the healthy file in a data dir of its own, changed by `damage(fd)`. */
  function damagedCopy(damage: (fd: number) => void): string {
    const dir = join(base, `copy-${n++}`);
    mkdirSync(dir);
    const file = join(dir, DATABASE_FILE_NAME);
    copyFileSync(healthy, file);
    const fd = openSync(file, "r+");
    try {
      damage(fd);
    } finally {
      closeSync(fd);
    }
    return file;
  }

  function problemOf(file: string): string {
    const state = checkDatabaseFile(file);
    assert.equal(state.t, "damaged", `not seen as damaged: ${show(state)}`);
    return state.t === "damaged" ? state.problem : "";
  }

  /** Pages whose header flags match `flags` and whose bytes include `marker`. */
  function pagesWith(fd: number, flags: number, marker?: string): number[] {
    const out: number[] = [];
    const page = Buffer.alloc(pageBytes);
    for (let p = 2; p < fstatSync(fd).size / pageBytes; p++) {
      readSync(fd, page, 0, pageBytes, p * pageBytes);
      if (page.readBigUInt64LE(0) === BigInt(p) && (page.readUInt16LE(18) & flags) !== 0 && (marker === undefined || page.includes(marker))) out.push(p);
    }
    return out;
  }

  function overwritePage(fd: number, p: number, seed: number): void {
    const bytes = Buffer.alloc(pageBytes);
    let s = seed;
    for (let i = 0; i < pageBytes; i++) bytes[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
    writeSync(fd, bytes, 0, pageBytes, p * pageBytes);
  }

  test("a file lmdb-js wrote is whole, and its meta page is read right", () => {
    const state = checkDatabaseFile(healthy);
    assert.equal(state.t, "whole");
    if (state.t !== "whole") return;
    assert.ok([4096, 8192, 16384, 65536].includes(state.meta.pageBytes), `page size ${state.meta.pageBytes}`);
    assert.ok(state.meta.txnId > 0n);
    assert.ok(state.meta.lastPage >= 2n);
  });

  test("no file is absent; a directory, an empty or a tiny file is damaged", () => {
    assert.deepEqual(checkDatabaseFile(join(base, "nothing-here.mdb")), { t: "absent" });
    const dir = join(base, "a-dir.mdb");
    mkdirSync(dir);
    assert.match(problemOf(dir), /not a regular file/);
    const empty = join(base, "empty.mdb");
    writeFileSync(empty, "");
    assert.match(problemOf(empty), /^truncated: the file is empty/);
    const tiny = join(base, "tiny.mdb");
    writeFileSync(tiny, Buffer.alloc(100));
    assert.match(problemOf(tiny), /^truncated: 100 bytes, less than one meta page/);
  });

  test("a file cut short is truncated: within the meta pages, off a page boundary, or before live pages", () => {
    assert.match(problemOf(damagedCopy((fd) => ftruncateSync(fd, pageBytes))), /^truncated: .*less than its two/);
    assert.match(problemOf(damagedCopy((fd) => ftruncateSync(fd, 3 * pageBytes + 100))), /^truncated: .*not a whole number of/);
    const pages = Math.floor(fstatSync(openSync(healthy, "r")).size / pageBytes);
    for (const keep of [Math.floor(pages / 2), pages - 1]) {
      assert.match(problemOf(damagedCopy((fd) => ftruncateSync(fd, keep * pageBytes))), /^truncated: /, `cut to ${keep} of ${pages} pages`);
    }
  });

  test("an overwritten meta page is damaged, whichever of the two", () => {
    for (const meta of [0, 1]) {
      const file = damagedCopy((fd) => writeSync(fd, Buffer.alloc(64, 0x41), 0, 64, meta * pageBytes));
      assert.match(problemOf(file), new RegExp(`^overwritten: meta page ${meta} has magic 0x41414141, expected 0x${LMDB_MAGIC.toString(16)}`));
    }
    // The magic intact but the page size wild.
    const file = damagedCopy((fd) => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(12345);
      writeSync(fd, b, 0, 4, 48);
    });
    assert.match(problemOf(file), /^overwritten: meta page 0 gives a page size of 12345 bytes/);
  });

  test("an overwritten B-tree page is damaged: a leaf of the records, or a branch", () => {
    const P_BRANCH = 0x01;
    const P_LEAF = 0x02;
    const leaf = damagedCopy((fd) => {
      const leaves = pagesWith(fd, P_LEAF, "small-");
      assert.ok(leaves.length > 1);
      overwritePage(fd, leaves[Math.floor(leaves.length / 2)]!, 7);
    });
    assert.match(problemOf(leaf), /^overwritten: page \d+ \(a page of the "records" B-tree\)/);
    const branch = damagedCopy((fd) => {
      const branches = pagesWith(fd, P_BRANCH);
      assert.ok(branches.length >= 1, "no branch page: the test needs more records");
      overwritePage(fd, branches[0]!, 11);
    });
    assert.match(problemOf(branch), /^overwritten: page \d+/);
  });

  test("a value's overwritten first overflow page is damaged", () => {
    const P_OVERFLOW = 0x04;
    const file = damagedCopy((fd) => {
      const overflow = pagesWith(fd, P_OVERFLOW);
      assert.equal(overflow.length, 20);
      writeSync(fd, Buffer.alloc(24), 0, 24, overflow[3]! * pageBytes);
    });
    assert.match(problemOf(file), /^overwritten: page \d+ .*names itself page 0/);
  });

  test("openPeerDatabase refuses a damaged file and leaves it as it was; with recover it moves it aside and starts empty", async () => {
    const file = damagedCopy((fd) => ftruncateSync(fd, pageBytes));
    const dir = join(file, "..");
    assert.throws(() => openPeerDatabase(dir), (err: Error) => {
      assert.ok(err instanceof DatabaseDamagedError);
      assert.equal(
        err.message,
        `database ${file} is damaged (truncated: ${pageBytes} bytes, less than its two ${pageBytes}-byte meta pages); start with --recover to move it aside and rejoin empty under the same ID`,
      );
      return true;
    });
    assert.equal(fstatSync(openSync(file, "r")).size, pageBytes, "the file was changed");
    assert.ok(!existsSync(join(dir, "peer.lock")), "the data-dir lock was kept");

    const db = openPeerDatabase(dir, { recover: true });
    try {
      assert.equal(db.opened.t, "recovered");
      if (db.opened.t !== "recovered") return;
      assert.match(db.opened.problem, /^truncated: /);
      assert.match(db.opened.movedTo, /peer\.mdb\.damaged-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
      assert.equal(fstatSync(openSync(db.opened.movedTo, "r")).size, pageBytes, "moved aside as it was");
      assert.equal(db.records.count(), 0);
      await db.records.merge({ key: "new", value: Buffer.from("x"), version: { wallMs: 1, logical: 0, writer: W }, tombstone: false });
    } finally {
      await db.close();
    }
    assert.equal(checkDatabaseFile(file).t, "whole");
    assert.equal(readdirSync(dir).filter((f) => f.startsWith("peer.mdb.damaged-")).length, 1);
  });

  test("recover on a whole database changes nothing", async () => {
    const file = damagedCopy(() => {});
    const db = openPeerDatabase(join(file, ".."), { recover: true });
    try {
      assert.equal(db.opened.t, "whole");
      assert.equal(db.records.count(), 3020);
    } finally {
      await db.close();
    }
  });
});
