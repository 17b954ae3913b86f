import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { sliceSnapshot, SNAPSHOT_VIEWS, viewForPath } from "./snapshot-slice";
import type { PeerView, RecordView, Snapshot } from "./snapshot-types";

const hex = (s: string) => createHash("sha256").update(s).digest("hex");

/** A snapshot shaped like the one of 50 peers (full routing tables) and 400 records shown. */
function bigSnapshot(): Snapshot {
  const ids = Array.from({ length: 50 }, (_, i) => hex(`peer-${i}`));
  const peers: PeerView[] = ids.map((id, i) => ({
    key: id, id, name: `peer-${i}`, httpAddress: `127.0.0.1:${8001 + i}`, grpcAddress: `127.0.0.1:${9001 + i}`, status: "up", position: i / 50, ownedFraction: 0.02,
    contacts: 49, records: 30, recordsFetched: 30, recordsCapped: false, links: ids.filter((x) => x !== id), opsPerSec: 0,
    buckets: [{ index: 255, refreshedAtMs: 1, contacts: ids.filter((x) => x !== id).map((c, j) => ({ id: c, grpcAddress: `127.0.0.1:${9001 + j}`, httpAddress: `127.0.0.1:${8001 + j}`, lastSeenMs: 1, failures: 0 })) }],
    operations: [{ name: "put", count: 10, errors: 0, p50Ms: 1, p99Ms: 2 }], peerRpcs: [{ name: "store", count: 30, errors: 0, p50Ms: 1, p99Ms: 2 }],
  }));
  const records: RecordView[] = Array.from({ length: 400 }, (_, i) => ({
    key: `key-${i}`, position: hex(`key-${i}`), pos: i / 400, tombstone: false, version: { wallTimeMs: 1, logical: 0, writer: ids[0]! },
    holders: ids.slice(0, 3), downHolders: [], expected: ids.slice(0, 3), status: "healthy", stale: false,
  }));
  return {
    takenAtMs: 1, buildMs: 1, fleet: { configured: true, ok: true }, peers, peersCapped: false,
    replication: { verdict: "healthy", replicationFactor: 3, records: 500, tombstones: 0, healthy: 500, underReplicated: 0, unavailable: 0, misplaced: 0, stale: 0, capped: false },
    records, recordsShown: 400, ringBins: Array.from({ length: 128 }, () => ({ count: 4, under: 0, unavailable: 0 })),
    ring: ids.map((owner, i) => ({ start: i / 50, end: (i + 1) / 50, owner })), ops: [{ name: "put", opsPerSec: 0, count: 500, errors: 0, p50Ms: 1, p99Ms: 2 }],
    opsPerSec: 0, opsFromDownPeers: 0, opsHistory: [{ atMs: 1, opsPerSec: 0 }],
  };
}

const bytes = (s: Snapshot) => Buffer.byteLength(JSON.stringify(s));

test("each view is a fraction of the whole snapshot at 50 peers", () => {
  const snap = bigSnapshot();
  const full = bytes(snap);
  const size = Object.fromEntries(SNAPSHOT_VIEWS.map((v) => [v, bytes(sliceSnapshot(snap, v, "peer-3"))]));
  assert.ok(full > 600_000, `the fixture is as big as the real thing (${full} B)`);
  // Bounds with room: a view that starts sending buckets or records again fails here.
  assert.ok(size.overview! < 30_000, `overview ${size.overview} B`);
  assert.ok(size.peers! < 30_000, `peers ${size.peers} B`);
  assert.ok(size.peer! < 30_000 + bytes({ ...snap, peers: [snap.peers[3]!], records: [], ring: [], ringBins: [] }), `peer ${size.peer} B`);
  assert.ok(size.topology! < 200_000, `topology ${size.topology} B`);
  assert.ok(size.ring! < 40_000, `ring ${size.ring} B`);
});

test("a view keeps what its page draws and empties the rest", () => {
  const snap = bigSnapshot();
  const topo = sliceSnapshot(snap, "topology");
  assert.equal(topo.view, "topology");
  assert.equal(topo.peers[0]!.links.length, 49);
  assert.deepEqual([topo.peers[0]!.buckets, topo.records, topo.ring], [[], [], []]);
  const ring = sliceSnapshot(snap, "ring");
  assert.equal(ring.records.length, 0, "500 records are drawn as bins: healthy ones are not sent one by one");
  snap.records[7]!.status = "under";
  assert.deepEqual(sliceSnapshot(snap, "ring").records.map((r) => r.key), ["key-7"]);
  const few = { ...snap, records: snap.records.slice(0, 100), replication: { ...snap.replication, records: 100, healthy: 100 } };
  assert.equal(sliceSnapshot(few, "ring").records.length, 100, "few records are all drawn");
  assert.equal(ring.ring.length, 50);
  assert.deepEqual(ring.peers[0]!.links, []);
  const overview = sliceSnapshot(snap, "overview");
  assert.equal(overview.ops[0]!.count, 500);
  assert.equal(overview.replication.records, 500, "summary counts stay in every view");
  assert.equal(overview.peers.length, 50);
  const peer = sliceSnapshot(snap, "peer", "peer-3");
  assert.equal(peer.peers.find((p) => p.name === "peer-3")!.buckets[0]!.contacts.length, 49);
  assert.deepEqual(peer.peers.find((p) => p.name === "peer-4")!.buckets, []);
  assert.deepEqual(sliceSnapshot(snap, "full"), { ...snap, view: "full" });
});

test("the header polls the slice of the page it sits on", () => {
  assert.deepEqual(viewForPath("/"), { view: "overview" });
  assert.deepEqual(viewForPath("/ring"), { view: "ring" });
  assert.deepEqual(viewForPath("/topology"), { view: "topology" });
  assert.deepEqual(viewForPath("/peers/fleet%3Apeer-3"), { view: "peer", peer: "fleet:peer-3" });
  assert.deepEqual(viewForPath("/files"), { view: "peers" });
  assert.deepEqual(viewForPath("/data"), {});
});
