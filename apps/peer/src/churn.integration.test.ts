/**
 * Durability under churn, against real peer processes on loopback: kill -9 of one
 * replica holder after another under continuous writes, R-1 holders at once, restarts with
 * old data, a graceful leave, and 5 peers joining a 5-peer network of 2,000 keys. Anti-entropy
 * runs every second here (--repair-interval-ms 1000); the times to restore R copies and the
 * traffic at rest are printed as test diagnostics.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { compareDistance, sha256Hex } from "@p2p/dht";
import { adminClient, nodeClient, startNetwork, startPeer, waitFor, type Network, type PeerProcess } from "@p2p/launcher";
import type { Version } from "@p2p/proto/types";

const R = 3;
const REPAIR_MS = 1000;
// The default 2 s peer-call deadline: a killed peer refuses connections at once anyway, and
// a loaded 2-core machine running ten peers needs the headroom.
const PEER_ARGS = ["--repair-interval-ms", String(REPAIR_MS)];

const versionKey = (v: Version | undefined) => (v ? `${v.wallTimeMs}.${v.logical}.${v.writer}` : "");

/** key → peer ID → "version" ("!version" for a tombstone), from every peer's LocalRecords. */
async function holdings(peers: readonly PeerProcess[]): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  await Promise.all(
    peers.map(async (p) => {
      const client = nodeClient(p.httpAddress!);
      let pageToken = "";
      do {
        const page = await client.localRecords({ pageSize: 1000, pageToken });
        for (const r of page.records) {
          let m = out.get(r.key);
          if (!m) out.set(r.key, (m = new Map()));
          m.set(p.id!, (r.tombstone ? "!" : "") + versionKey(r.version));
        }
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
    }),
  );
  return out;
}

/** IDs of the R peers closest to the key among `ids`. */
function closest(key: string, ids: readonly string[]): string[] {
  const pos = sha256Hex(key);
  return [...ids].sort((a, b) => compareDistance(pos, a, b)).slice(0, R);
}

/** Keys (of `expected`: key → version string) not yet on all of their R closest live peers at that version. */
function missing(held: Map<string, Map<string, string>>, expected: Map<string, string>, ids: readonly string[]): string[] {
  const out: string[] = [];
  for (const [key, version] of expected) {
    const at = held.get(key);
    if (!closest(key, ids).every((id) => at?.get(id) === version)) out.push(key);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

describe("durability under churn: 10 peers", () => {
  let net: Network;
  const extra: PeerProcess[] = [];
  /** Live peers; peers[0] (everyone's bootstrap) is never killed. */
  let live: PeerProcess[] = [];
  /** Acknowledged writes: key → value and version. */
  const acked = new Map<string, { value: string; version: string }>();
  const expected = () => new Map([...acked].map(([k, v]) => [k, v.version]));
  const ids = () => live.map((p) => p.id!);
  const randomPeer = () => live[Math.floor(Math.random() * live.length)]!;

  before(async () => {
    net = await startNetwork(10, { peer: { args: PEER_ARGS } });
    live = [...net.peers];
  });
  after(async () => {
    await Promise.all(extra.map((p) => p.stop(5000)));
    await net?.stop();
  });

  async function put(key: string, value: string, via = randomPeer()): Promise<void> {
    const res = await nodeClient(via.httpAddress!).put({ key, value });
    acked.set(key, { value, version: versionKey(res.version) });
  }

  async function waitRestored(what: string, timeoutMs = 30_000): Promise<number> {
    const start = Date.now();
    await waitFor(async () => missing(await holdings(live), expected(), ids()).length === 0, { timeoutMs, intervalMs: 500, what });
    return Date.now() - start;
  }

  test("continuous writes while replica holders are killed one after another: nothing acknowledged is lost", async (t) => {
    let writing = true;
    let n = 0;
    let failedWrites = 0;
    const writer = (async () => {
      while (writing) {
        const key = `churn/${n++}`;
        try {
          await put(key, `value-${n}`);
        } catch {
          failedWrites++; // not acknowledged: no promise was made
        }
      }
    })();
    const restoreMs: number[] = [];
    try {
      await waitFor(() => acked.size >= 50, { timeoutMs: 60_000, what: "50 acknowledged writes" });
      for (let round = 0; round < 3; round++) {
        const held = await holdings(live);
        // A replica holder: a live peer (not the bootstrap) holding the most acknowledged keys.
        const victim = live
          .slice(1)
          .map((p) => ({ p, count: [...acked.keys()].filter((k) => held.get(k)?.has(p.id!)).length }))
          .sort((a, b) => b.count - a.count)[0]!.p;
        assert.equal((await victim.kill()).signal, "SIGKILL");
        live = live.filter((p) => p !== victim);
        restoreMs.push(await waitRestored(`R copies after kill ${round + 1}`));
      }
    } finally {
      writing = false;
      await writer;
    }
    const finalMs = await waitRestored("R copies of every acknowledged key at the end");
    for (const [key, { value }] of acked) {
      assert.equal((await nodeClient(randomPeer().httpAddress!).get({ key })).value, value, key);
    }
    t.diagnostic(
      `${acked.size} acknowledged writes (${failedWrites} failed), 3 kill -9: R copies restored in ${restoreMs.join(", ")} ms ` +
        `(median ${median(restoreMs)} ms, repair interval ${REPAIR_MS} ms); final check ${finalMs} ms`,
    );
  });

  const killedAtOnce: PeerProcess[] = [];

  test("R-1 holders of a set of keys killed at once: the keys stay readable and R copies come back", async (t) => {
    const keys = Array.from({ length: 60 }, (_, i) => `pair/${i}`);
    for (const k of keys) await put(k, `pair-${k}`);
    await waitRestored("R copies before the kill");
    // Two peers that share a replica set, neither the bootstrap.
    const candidates = ids().slice(1);
    const key = keys.find((k) => closest(k, ids()).slice(0, 2).every((id) => candidates.includes(id)))!;
    const victims = closest(key, ids()).slice(0, 2).map((id) => live.find((p) => p.id === id)!);
    const shared = keys.filter((k) => victims.every((v) => closest(k, ids()).includes(v.id!)));
    const killedAt = Date.now();
    await Promise.all(victims.map((v) => v.kill()));
    killedAtOnce.push(...victims);
    live = live.filter((p) => !victims.includes(p));
    for (const k of shared) assert.equal((await nodeClient(randomPeer().httpAddress!).get({ key: k })).value, `pair-${k}`);
    await waitRestored("R copies after killing R-1 holders");
    t.diagnostic(`${shared.length} keys lost 2 of 3 holders at once; R copies restored ${Date.now() - killedAt} ms after the kill (reads included)`);
  });

  test("peers restarted on their data dirs converge: newer values win, deleted keys stay deleted", async () => {
    // While they are down, overwrite some of their keys and delete others.
    const theirs = [...acked.keys()].filter((k) => killedAtOnce.some((v) => closest(k, [...ids(), ...killedAtOnce.map((p) => p.id!)]).includes(v.id!)));
    assert.ok(theirs.length >= 4, `the killed peers held ${theirs.length} keys`);
    const overwritten = theirs.slice(0, Math.ceil(theirs.length / 2));
    const deleted = theirs.slice(overwritten.length);
    for (const k of overwritten) await put(k, `newer-${k}`);
    for (const k of deleted) {
      await nodeClient(randomPeer().httpAddress!).delete({ key: k });
      acked.delete(k);
    }
    for (const old of killedAtOnce) {
      const port = (a: string) => Number(a.slice(a.lastIndexOf(":") + 1));
      const again = startPeer({
        dataDir: old.dataDir,
        httpPort: port(old.httpAddress!),
        grpcPort: port(old.grpcAddress!),
        bootstrap: [net.peers[0]!.grpcAddress!],
        args: PEER_ARGS,
        logs: old.logRing,
      });
      extra.push(again);
      await again.ready;
      live.push(again);
    }
    await waitRestored("restarted peers to converge");
    // Every copy of a deleted key, the restarted peers' old ones included, becomes a tombstone.
    await waitFor(
      async () => {
        const held = await holdings(live);
        return deleted.every((k) => [...(held.get(k)?.values() ?? [])].every((v) => v.startsWith("!")));
      },
      { timeoutMs: 30_000, intervalMs: 500, what: "tombstones to replace the restarted peers' old values" },
    );
    for (const k of deleted) await assert.rejects(nodeClient(randomPeer().httpAddress!).get({ key: k }), /not found/i);
    for (const k of overwritten) assert.equal((await nodeClient(randomPeer().httpAddress!).get({ key: k })).value, `newer-${k}`);
  });

  test("traffic at rest: digests only", async (t) => {
    await waitRestored("rest");
    const health = () => Promise.all(live.map((p) => nodeClient(p.httpAddress!).replicationHealth({})));
    // At rest: no hand-off pending and nothing moved over two repair intervals.
    const moves = async () =>
      (await health()).map((h) => (h.recordsHandoff > 0n ? "busy" : `${h.recordsPushed}/${h.recordsPulled}/${h.recordsDropped}`)).join();
    let last = "";
    await waitFor(
      async () => {
        const now = await moves();
        const still = now === last && !now.includes("busy");
        last = now;
        return still;
      },
      { timeoutMs: 30_000, intervalMs: 2 * REPAIR_MS, what: "the network to come to rest" },
    );
    const before = await health();
    const seconds = 5;
    await new Promise((r) => setTimeout(r, seconds * 1000)); // a measurement window, not a wait for a condition
    const afterH = await health();
    let bytes = 0;
    let rounds = 0;
    let moved = 0;
    afterH.forEach((h, i) => {
      const b = before[i]!;
      bytes += Number(h.bytesSent - b.bytesSent);
      rounds += Number(h.repairRounds - b.repairRounds);
      moved += Number(h.recordsPushed - b.recordsPushed + h.recordsPulled - b.recordsPulled);
      assert.equal(h.underReplicated, 0n);
    });
    assert.equal(moved, 0, "records moved at rest");
    const perPeerMinute = (bytes / live.length) * (60 / seconds);
    t.diagnostic(
      `at rest: ${rounds} rounds on ${live.length} peers in ${seconds} s, ${bytes} bytes sent in all: ` +
        `${Math.round(perPeerMinute)} B/min per peer at a ${REPAIR_MS} ms interval (${Math.round(perPeerMinute / 30)} B/min at the 30 s default)`,
    );
  });

  test("a graceful leave keeps every key at R copies without waiting for repair", async () => {
    const leaver = live.find((p, i) => i > 0 && net.peers.includes(p))!;
    const exit = await leaver.stop(15_000);
    assert.deepEqual(exit, { code: 0, signal: null });
    live = live.filter((p) => p !== leaver);
    const left = leaver.logs().find((l) => l.includes("left the network"));
    assert.ok(left, "no 'left the network' log line");
    assert.equal(JSON.parse(left).failed, 0);
    // Checked once, right away: the leaver handed everything over before it exited.
    assert.deepEqual(missing(await holdings(live), expected(), ids()), []);
  });
});

describe("durability under churn: 5 peers join a 5-peer network holding 2,000 keys", () => {
  let net: Network;
  before(async () => {
    net = await startNetwork(5, { peer: { args: PEER_ARGS } });
  });
  after(() => net?.stop());

  test("afterwards every key is held exactly by its R closest peers; a Leave call then keeps them at R", async (t) => {
    const keys = Array.from({ length: 2000 }, (_, i) => `join/${i}`);
    const clients = net.peers.map((p) => nodeClient(p.httpAddress!));
    const expected = new Map<string, string>();
    for (let i = 0; i < keys.length; i += 32) {
      await Promise.all(
        keys.slice(i, i + 32).map(async (key, j) => {
          const res = await clients[j % clients.length]!.put({ key, value: `v-${key}` });
          expected.set(key, versionKey(res.version));
        }),
      );
    }
    const start = Date.now();
    for (let i = 0; i < 5; i++) await net.add({ args: PEER_ARGS });
    const joined = Date.now();
    const ids = net.peers.map((p) => p.id!);
    const exact = async () => {
      const held = await holdings(net.peers);
      if (missing(held, expected, ids).length > 0) return false;
      for (const key of keys) if ((held.get(key)?.size ?? 0) !== R) return false;
      return true;
    };
    await waitFor(exact, { timeoutMs: 60_000, intervalMs: 500, what: "every key held exactly by its R closest" });
    // The Leave call hands everything over at once too (the process keeps running until stopped).
    const leaver = net.peers[7]!;
    const res = await adminClient(leaver.httpAddress!, { timeoutMs: 30_000 }).leave({});
    assert.equal(res.recordsFailed, 0n);
    assert.ok(res.recordsHandedOff > 0n && res.neighboursTold > 0);
    const rest = net.peers.filter((p) => p !== leaver);
    // Right after the call nearly every key is already in place; a neighbour that missed the
    // goodbye (a timed-out call on a loaded machine: one CI rehearsal) can still bounce a few
    // copies, which its replicas' repair restores: R copies among the others, within 60 s (the
    // same bound as the joins above; 30 s was missed once in a CI run on a slow machine).
    const atOnce = missing(await holdings(rest), expected, rest.map((p) => p.id!)).length;
    await waitFor(async () => missing(await holdings(rest), expected, rest.map((p) => p.id!)).length === 0, {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: "every key on its R closest among the peers that stayed",
    });
    t.diagnostic(`right after the Leave call ${atOnce} of 2000 keys were not yet on all their R closest`);
    t.diagnostic(
      `2000 keys, 5 joins (${joined - start} ms to start them): every key exactly on its R closest ${Date.now() - joined} ms after the last join`,
    );
  });
});
