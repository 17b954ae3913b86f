/**
 * Damaged storage, against real peer processes. An undecodable record is quarantined at start
 * and refetched from the other replicas; a truncated or partly overwritten database file stops
 * the peer with one line naming the file and the way out (never a signal: LMDB is never handed
 * the file); `--recover` moves
 * the damaged file aside and the peer rejoins empty under the same ID, refilled by
 * anti-entropy from the other replicas.
 */
import assert from "node:assert/strict";
import { closeSync, fstatSync, ftruncateSync, openSync, readdirSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { open } from "lmdb";
import { sha256Hex, sortByDistance } from "@p2p/dht";
import { nodeClient, startNetwork, startPeer, waitFor, waitForFullTables, type Network, type PeerProcess } from "@p2p/launcher";

const DB_FILE = "peer.mdb";
/** lmdb-js writes 4 KiB pages on this platform (checked against the meta page in the unit tests). */
const PAGE = 4096;
/** Where a page header keeps its flags, and the flag of a B-tree leaf (LMDB's mdb.c). */
const PAGE_FLAGS_OFFSET = 18;
const P_LEAF = 0x02;

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(":") + 1));
}

/** Replaces the stored bytes of `key` by three bytes no record-codec version can decode. */
async function corruptRecord(dataDir: string, key: string): Promise<void> {
  // Without overlapping sync, as the peer opens it (that mode also moves where meta pages go).
  const root = open({ path: join(dataDir, DB_FILE), maxDbs: 4, overlappingSync: false });
  try {
    const records = root.openDB<Uint8Array, Uint8Array>({ name: "records", keyEncoding: "binary", encoding: "binary" });
    await records.put(Buffer.from(key, "utf8"), Uint8Array.of(0xde, 0xad, 0x03));
  } finally {
    await root.close();
  }
}

/**
 * Cuts the database file after its third page (a copy or disk that stopped early). Not at half
 * its pages: LMDB reuses freed pages, so every live page can lie in the first half, and a cut
 * there damages nothing (CI once saw such a file start, rightly).
 */
function truncateDatabase(dataDir: string): void {
  const fd = openSync(join(dataDir, DB_FILE), "r+");
  try {
    const pages = fstatSync(fd).size / PAGE;
    assert.ok(pages > 3, `the database has ${pages} pages`);
    ftruncateSync(fd, 3 * PAGE);
  } finally {
    closeSync(fd);
  }
}

/**
 * Overwrites, with (seeded, so runs are alike) random bytes, every leaf page that holds keys
 * of this test: a stray write over the B-tree, not just over values (undecodable values are
 * the quarantine's job). Returns how many pages it overwrote.
 */
function overwriteLeafPages(dataDir: string, keyPrefix: string): number {
  const fd = openSync(join(dataDir, DB_FILE), "r+");
  let seed = 0x5eed;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  let overwritten = 0;
  try {
    const pages = fstatSync(fd).size / PAGE;
    const page = Buffer.alloc(PAGE);
    for (let p = 2; p < pages; p++) {
      readSync(fd, page, 0, PAGE, p * PAGE);
      if ((page.readUInt16LE(PAGE_FLAGS_OFFSET) & P_LEAF) === 0 || !page.includes(keyPrefix)) continue;
      for (let i = 0; i < PAGE; i++) page[i] = random();
      writeSync(fd, page, 0, PAGE, p * PAGE);
      overwritten++;
    }
  } finally {
    closeSync(fd);
  }
  return overwritten;
}

async function metric(peer: PeerProcess, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://${peer.httpAddress}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe("damaged storage", () => {
  let net: Network;
  const started: PeerProcess[] = [];
  /** The current process of each network peer, by index. */
  let current: PeerProcess[] = [];
  /** Key → value length as written, to check refetched copies. */
  const written = new Map<string, number>();

  before(async () => {
    // A short repair interval: refills come from anti-entropy rounds, not from the test's reads.
    net = await startNetwork(4, { peer: { args: ["--repair-interval-ms", "500"] } });
    current = [...net.peers];
    await waitForFullTables(net.peers.map((p) => p.httpAddress!));
    // Values over a page, so the files have overflow pages and a truncation cuts records.
    const client = nodeClient(net.peers[0]!.httpAddress!);
    for (let i = 0; i < 60; i += 6) {
      await Promise.all([0, 1, 2, 3, 4, 5].map(async (j) => {
        const key = `damage-${i + j}`;
        const value = `${i + j}:`.padEnd(5000, "x");
        await client.put({ key, value });
        written.set(key, value.length);
      }));
    }
  });
  after(async () => {
    await Promise.all(started.map((p) => p.stop(5000)));
    await net?.stop();
  });

  /**
   * Every key of `before` that `peer` is a replica of (one of the R = 3 closest of the 4 peers)
   * is held with the same size. Others may come and go: a copy the peer held only as a stand-in
   * while other peers were down is handed back to the replicas, and repair keeps running while
   * one restarts.
   */
  function assertKeeps(peer: PeerProcess, now: Map<string, number>, before: Map<string, number>): void {
    const contacts = current.map((p) => ({ id: p.id!, address: p.grpcAddress!, httpAddress: p.httpAddress! }));
    const isReplica = (key: string) => sortByDistance(sha256Hex(key), contacts).slice(0, 3).some((c) => c.id === peer.id);
    const missing = [...before].filter(([k, size]) => isReplica(k) && now.get(k) !== size).map(([k]) => k);
    assert.deepEqual(missing, [], "records lost or changed");
  }

  /** Keys `peer` holds with their sizes. */
  async function held(peer: PeerProcess): Promise<Map<string, number>> {
    const page = await nodeClient(peer.httpAddress!).localRecords({ pageSize: 1000 });
    assert.equal(page.nextPageToken, "", "more than one page");
    return new Map(page.records.map((r) => [r.key, r.sizeBytes]));
  }

  /** Starts `old`'s data dir again on its ports; `args` are extra flags. */
  function again(old: PeerProcess, args: string[] = []): PeerProcess {
    const next = startPeer({
      dataDir: old.dataDir,
      httpPort: portOf(old.httpAddress!),
      grpcPort: portOf(old.grpcAddress!),
      bootstrap: old === net.peers[0] ? [] : [net.peers[0]!.grpcAddress!],
      args: ["--repair-interval-ms", "500", ...args],
    });
    started.push(next);
    return next;
  }

  /** Stops network peer `i` gracefully and returns its process and what it held. */
  async function stopPeer(i: number): Promise<{ old: PeerProcess; before: Map<string, number> }> {
    const old = current[i]!;
    const before = await held(old);
    assert.ok(before.size > 0, `peer ${i} holds none of the keys`);
    assert.deepEqual(await old.stop(), { code: 0, signal: null });
    return { old, before };
  }

  /**
   * A start that must fail: exits with code 1 (a failed start), no signal, and exactly one
   * line about the damage, the fatal log line, naming the file and --recover.
   */
  async function assertRefused(old: PeerProcess, problem: RegExp): Promise<void> {
    const p = again(old);
    await assert.rejects(p.ready);
    const exit = await p.exited;
    const lines = p.logs();
    assert.deepEqual(exit, { code: 1, signal: null }, `exit ${JSON.stringify(exit)}; output:\n${lines.join("\n")}`);
    const damage = lines.filter((l) => l.includes("damaged"));
    assert.equal(damage.length, 1, lines.join("\n"));
    const line = JSON.parse(damage[0]!) as { level: string; msg: string; error: string };
    assert.equal(line.level, "fatal");
    assert.equal(line.msg, "peer failed to start");
    assert.ok(line.error.startsWith(`database ${join(old.dataDir, DB_FILE)} is damaged (`), line.error);
    assert.match(line.error, problem);
    assert.match(line.error, /start with --recover to move it aside and rejoin empty under the same ID$/);
    assert.ok(!lines.some((l) => /\bat .*\.js:\d+/.test(l)), `a stack trace was printed:\n${lines.join("\n")}`);
  }

  test("an undecodable record is quarantined at start, counted and logged once, and refetched from the other replicas", async () => {
    const { old, before } = await stopPeer(1);
    const [key] = [...before.keys()].sort();
    await corruptRecord(old.dataDir, key!);

    const p = again(old);
    await p.ready;
    current[1] = p;
    assert.equal(p.id, old.id);
    await waitFor(async () => (await metric(p, "p2p_records_quarantined_total")) === 1, { what: "the quarantine to be counted" });
    const logged = p.logs().filter((l) => l.includes("quarantined"));
    assert.equal(logged.length, 1, logged.join("\n"));
    assert.ok(logged[0]!.includes(JSON.stringify(key)), logged[0]);
    // Anti-entropy brings the good copy back; reads through the peer work meanwhile.
    await waitFor(async () => (await held(p)).get(key!) === written.get(key!), { timeoutMs: 20_000, what: "the record to come back from the other replicas" });
    assertKeeps(p, await held(p), before);
    const value = (await nodeClient(p.httpAddress!).get({ key: key! })).value;
    assert.equal(value.length, written.get(key!));
    assert.equal(await metric(p, "p2p_records_quarantined_total"), 1);
  });

  test("a truncated database file stops the peer with one line naming it and --recover, never a signal", async () => {
    const { old } = await stopPeer(2);
    truncateDatabase(old.dataDir);
    await assertRefused(old, /\(truncated: /);
  });

  test("a partly overwritten database file stops the peer with one line naming it and --recover, never a signal", async () => {
    const { old } = await stopPeer(3);
    assert.ok(overwriteLeafPages(old.dataDir, "damage-") > 0, "no leaf page holds the test's keys");
    await assertRefused(old, /damaged \(overwritten: /);
  });

  test("--recover moves the damaged file aside and the peer rejoins under the same ID, refilled from the other replicas", async () => {
    for (const i of [2, 3]) {
      const old = current[i]!;
      const p = again(old, ["--recover"]);
      await p.ready;
      current[i] = p;
      assert.equal(p.id, old.id, "the ID changed");
      const aside = readdirSync(old.dataDir).filter((f) => f.startsWith(`${DB_FILE}.damaged-`));
      assert.ok(aside.length >= 1, `nothing moved aside: ${readdirSync(old.dataDir).join(", ")}`);
      assert.ok(p.logs().some((l) => l.includes("moved aside")), "recovery not logged");
    }
    // Everything written is back on R = 3 of the 4 peers.
    await waitFor(async () => {
      const counts = new Map<string, number>();
      for (const p of current) for (const [k, size] of await held(p)) if (written.get(k) === size) counts.set(k, (counts.get(k) ?? 0) + 1);
      return [...written.keys()].every((k) => (counts.get(k) ?? 0) >= 3);
    }, { timeoutMs: 30_000, what: "every record to be back on 3 replicas" });
  });

  test("--recover on an undamaged database does nothing but say so", async () => {
    const { old, before } = await stopPeer(0);
    const p = again(old, ["--recover"]);
    await p.ready;
    current[0] = p;
    assert.equal(p.id, old.id);
    assert.ok(p.logs().some((l) => l.includes("nothing to recover")), p.logs().join("\n"));
    assertKeeps(p, await held(p), before);
  });
});
