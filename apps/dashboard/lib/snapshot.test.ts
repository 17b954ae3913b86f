import { test, describe, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { FleetService, PeerState } from "@p2p/proto/fleet";
import { SnapshotCollector } from "./snapshot";
import { closedAddress, sha256, startFakePeer, type FakePeer, type FakePeerOptions } from "./testing/fake-peer";


/** Starts fake peers and registers their shutdown, even when the test fails. */
async function peers(t: TestContext, opts: FakePeerOptions[]): Promise<FakePeer[]> {
  const started: FakePeer[] = [];
  t.after(() => Promise.all(started.map((p) => p.close())));
  for (const o of opts) started.push(await startFakePeer(o));
  return started;
}

const id = (n: number) => sha256(`peer-${n}`);
/** Deadline for tests that are not about deadlines: generous, the machine may be busy. */
const BUSY_MS = 10_000;
/** Contacts "everyone else" as seen from peer i. */
const mesh = (all: () => FakePeer[], i: number) => () => all().filter((_, j) => j !== i).map((p) => ({ id: p.id, httpAddress: p.httpAddress }));

describe("SnapshotCollector", () => {
  test("a healthy mesh: every peer up, records with R holders, verdict healthy", async (t) => {
    let all: FakePeer[] = [];
    all = await peers(t, [0, 1, 2].map((i) => ({ id: id(i), contacts: mesh(() => all, i), records: [{ key: "alpha" }, { key: "beta" }] })));
    const c = new SnapshotCollector({ seeds: [all[0]!.httpAddress], timeoutMs: BUSY_MS });
    const s = await c.poll();
    assert.equal(s.peers.length, 3);
    assert.ok(s.peers.every((p) => p.status === "up" && p.lastOkAtMs !== undefined));
    assert.equal(s.replication.verdict, "healthy");
    assert.equal(s.replication.records, 2);
    const alpha = s.records.find((r) => r.key === "alpha")!;
    assert.equal(alpha.position, sha256("alpha"));
    assert.deepEqual([...alpha.holders].sort(), all.map((p) => p.id).sort());
    assert.equal(alpha.expected.length, 3);
    // Directed links from routing tables, and ownership shares that cover the ring.
    assert.equal(s.peers[0]!.links.length, 2);
    assert.ok(Math.abs(s.peers.reduce((a, p) => a + p.ownedFraction, 0) - 1) < 1e-9);
  });

  test("crawl without a controller: one seed finds a chain of peers through routing tables", async (t) => {
    let all: FakePeer[] = [];
    // Peer i knows only peer i+1.
    all = await peers(t, [0, 1, 2, 3].map((i) => ({ id: id(i), contacts: () => (all[i + 1] ? [{ id: all[i + 1]!.id, httpAddress: all[i + 1]!.httpAddress }] : []) })));
    const s = await new SnapshotCollector({ seeds: [all[0]!.httpAddress], timeoutMs: BUSY_MS }).poll();
    assert.deepEqual(s.peers.map((p) => p.id).sort(), all.map((p) => p.id).sort());
    assert.ok(s.peers.every((p) => p.status === "up"));
    assert.equal(s.fleet.configured, false);
  });

  test("a dead peer is shown down with its last data and age; its records become unavailable", async (t) => {
    let all: FakePeer[] = [];
    all = await peers(t, [
      { id: id(0), contacts: mesh(() => all, 0), records: [{ key: "shared" }], replicationFactor: 2 },
      { id: id(1), contacts: mesh(() => all, 1), records: [{ key: "shared" }, { key: "only-on-1" }], replicationFactor: 2 },
    ]);
    const ghost = await closedAddress(); // a contact nobody answers at
    const c = new SnapshotCollector({ seeds: [all[0]!.httpAddress, ghost], timeoutMs: BUSY_MS });
    const first = await c.poll();
    assert.equal(first.peers.filter((p) => p.status === "up").length, 2);
    const ghostView = first.peers.find((p) => p.httpAddress === ghost)!;
    assert.equal(ghostView.status, "down");
    assert.equal(ghostView.lastOkAtMs, undefined);
    assert.match(ghostView.lastError ?? "", /unavailable/);

    const seenAt = first.peers.find((p) => p.id === id(1))!.lastOkAtMs;
    await all[1]!.close();
    const missedOnce = await c.poll();
    const suspect = missedOnce.peers.find((p) => p.id === id(1))!;
    assert.equal(suspect.status, "suspect", "one missed poll: suspect, still counted as a holder");
    assert.equal(missedOnce.records.find((r) => r.key === "only-on-1")!.status, "under", "not unavailable while its holder is only suspect");
    const second = await c.poll();
    const dead = second.peers.find((p) => p.id === id(1))!;
    assert.equal(dead.status, "down");
    assert.equal(dead.lastOkAtMs, seenAt, "keeps the time of its last answer");
    assert.equal(dead.records, 2, "keeps its last data");
    const only = second.records.find((r) => r.key === "only-on-1")!;
    assert.equal(only.status, "unavailable");
    assert.deepEqual(only.downHolders, [id(1)]);
    assert.equal(second.records.find((r) => r.key === "shared")!.status, "healthy", "R=2 but one live peer: one holder is all there can be");
    assert.equal(second.replication.verdict, "unavailable");
    assert.equal(second.replication.unavailable, 1);
  });

  test("a slow peer (answers after the deadline) is down; the others are not held up", async (t) => {
    let all: FakePeer[] = [];
    all = await peers(t, [
      { id: id(0), contacts: mesh(() => all, 0) },
      { id: id(1), contacts: mesh(() => all, 1) },
      { id: id(2), contacts: mesh(() => all, 2), delayMs: 60_000 },
    ]);
    const c = new SnapshotCollector({ seeds: all.map((p) => p.httpAddress), timeoutMs: 2000 });
    const s = await c.poll();
    const byAddr = new Map(s.peers.map((p) => [p.httpAddress, p]));
    assert.equal(byAddr.get(all[0]!.httpAddress)!.status, "up");
    assert.equal(byAddr.get(all[1]!.httpAddress)!.status, "up");
    const slow = byAddr.get(all[2]!.httpAddress)!;
    assert.equal(slow.status, "down");
    assert.match(slow.lastError ?? "", /deadline_exceeded/);
  });

  test("under-replicated records make the verdict degraded", async (t) => {
    let all: FakePeer[] = [];
    all = await peers(t, [0, 1, 2].map((i) => ({ id: id(i), contacts: mesh(() => all, i), records: i < 2 ? [{ key: "k" }] : [] })));
    const s = await new SnapshotCollector({ seeds: [all[0]!.httpAddress], timeoutMs: BUSY_MS }).poll();
    assert.equal(s.records[0]!.status, "under");
    assert.equal(s.replication.underReplicated, 1);
    assert.equal(s.replication.verdict, "degraded");
  });

  test("operations per second from Stats deltas between polls", async (t) => {
    let puts = 0;
    const [p] = await peers(t, [{ id: id(0), puts: () => puts }]);
    const c = new SnapshotCollector({ seeds: [p!.httpAddress], timeoutMs: BUSY_MS });
    assert.equal((await c.poll()).opsPerSec, 0);
    puts = 50;
    const s = await c.poll();
    assert.ok(s.opsPerSec > 0);
    assert.equal(s.ops.find((o) => o.name === "put")!.count, 50);
  });

  test("a record listing is reused while the peer's count is unchanged, refetched when it moves", async (t) => {
    const held = [{ key: "a" }];
    let listings = 0;
    const [p] = await peers(t, [{ id: id(0), records: held, replicationFactor: 1, onCall: (m) => { if (m === "localRecords") listings++; } }]);
    const c = new SnapshotCollector({ seeds: [p!.httpAddress], timeoutMs: BUSY_MS });
    await c.poll();
    await c.poll();
    assert.equal(listings, 1, "second poll reused the listing");
    held.push({ key: "b" });
    const s = await c.poll();
    assert.equal(listings, 2);
    assert.deepEqual(s.records.map((r) => r.key).sort(), ["a", "b"]);
    const aged = new SnapshotCollector({ seeds: [p!.httpAddress], recordsMaxAgeMs: 0, timeoutMs: BUSY_MS });
    await aged.poll();
    await aged.poll();
    assert.equal(listings, 4, "with no reuse window every poll lists");
  });

  test("records beyond the per-peer cap are flagged, and queryRecords pages and filters", async (t) => {
    const records = Array.from({ length: 30 }, (_, i) => ({ key: `key-${String(i).padStart(2, "0")}` }));
    const [p] = await peers(t, [{ id: id(0), records, replicationFactor: 1 }]);
    const c = new SnapshotCollector({ seeds: [p!.httpAddress], maxRecordsPerPeer: 20, maxRecordsInSnapshot: 5, timeoutMs: BUSY_MS });
    const s = await c.poll();
    assert.equal(s.replication.capped, true);
    assert.equal(s.peers[0]!.recordsFetched, 20);
    assert.equal(s.peers[0]!.records, 30);
    assert.equal(s.records.length, 5);
    const page = c.queryRecords({ q: "key-1", offset: 0, limit: 3 });
    assert.equal(page.total, 10);
    assert.equal(page.records.length, 3);
  });

  test("with a controller: its peers are polled, a stopped one is down without being called", async (t) => {
    let all: FakePeer[] = [];
    all = await peers(t, [0, 1].map((i) => ({ id: id(i), contacts: mesh(() => all, i) })));
    const stoppedAddr = await closedAddress();
    const fleetPeers = [
      { name: "peer-1", id: all[0]!.id, httpAddress: all[0]!.httpAddress, state: PeerState.RUNNING },
      { name: "peer-2", id: all[1]!.id, httpAddress: all[1]!.httpAddress, state: PeerState.RUNNING },
      { name: "peer-3", id: id(9), httpAddress: stoppedAddr, state: PeerState.STOPPED, lastExit: "SIGTERM" },
    ];
    let auth = "";
    const server = createServer(connectNodeAdapter({
      routes: (r) => r.service(FleetService, {
        listPeers(_req, ctx) {
          auth = ctx.requestHeader.get("authorization") ?? "";
          return { peers: fleetPeers, maxPeers: 10 };
        },
      }),
    }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const s = await new SnapshotCollector({ fleetUrl: url, fleetToken: "sekret", timeoutMs: BUSY_MS }).poll();
    assert.deepEqual(s.fleet, { configured: true, ok: true, maxPeers: 10 });
    assert.equal(auth, "Bearer sekret");
    const p3 = s.peers.find((p) => p.name === "peer-3")!;
    assert.equal(p3.status, "down");
    assert.equal(p3.fleetState, "stopped");
    assert.match(p3.lastError ?? "", /stopped.*SIGTERM/);
    assert.deepEqual(s.peers.map((p) => p.name), ["peer-1", "peer-2", "peer-3"]);
    assert.ok(s.peers.slice(0, 2).every((p) => p.status === "up"));
  });

  test("an unreachable controller is reported, and seeds still work", async (t) => {
    const [p] = await peers(t, [{ id: id(0) }]);
    const s = await new SnapshotCollector({ fleetUrl: `http://${await closedAddress()}`, seeds: [p!.httpAddress], timeoutMs: BUSY_MS }).poll();
    assert.equal(s.fleet.ok, false);
    assert.match(s.fleet.error ?? "", /unavailable/);
    assert.equal(s.peers[0]!.status, "up");
  });

  test("a crawled contact outside the allowlist is listed, never called, and has no address for routes", async (t) => {
    const calls: string[] = [];
    const [hidden] = await peers(t, [{ id: id(1), onCall: (m) => calls.push(m) }]);
    const [seed] = await peers(t, [{ id: id(0), contacts: () => [{ id: hidden!.id, httpAddress: hidden!.httpAddress }] }]);
    const c = new SnapshotCollector({ seeds: [seed!.httpAddress], timeoutMs: BUSY_MS, allowPeer: (hp) => hp === seed!.httpAddress });
    await c.poll();
    const s = await c.poll();
    const shown = s.peers.find((p) => p.id === hidden!.id);
    assert.equal(shown?.lastError, "not polled (outside the allowlist)");
    assert.equal(shown?.status, "down");
    assert.equal(c.addressOf(hidden!.id), undefined);
    assert.equal(c.addressOf(seed!.id), seed!.httpAddress);
    assert.deepEqual(calls, []);
  });

  test("rejects a malformed seed, naming it", () => {
    assert.throws(() => new SnapshotCollector({ seeds: ["not an address"] }), /seeds: "not an address"/);
  });
});
