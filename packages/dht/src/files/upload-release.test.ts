import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { DhtError } from "../errors.js";
import { sha256Hex } from "../kademlia/node-id.js";
import { MemoryRecordStore } from "../store/memory-store.js";
import { collect, createTestnet, pieces } from "../testing/testnet.js";
import { chunkKey } from "./content-keys.js";
import { ChunkStore } from "./chunk-store.js";

const A = sha256Hex("uploader A");
const B = sha256Hex("uploader B");
const EVE = sha256Hex("someone else");

function chunk() {
  const bytes = randomBytes(100);
  return { bytes, hash: sha256Hex(bytes) };
}

describe("ChunkStore: who may commit or release a pending chunk", () => {
  test("the placer's release removes it at once and frees its quota", async () => {
    const store = new MemoryRecordStore();
    const chunks = new ChunkStore(store, { diskQuotaBytes: 250 });
    const [c1, c2] = [chunk(), chunk()];
    await chunks.putChunk(c1.hash, c1.bytes, true, A);
    await chunks.putChunk(c2.hash, c2.bytes, true, A);
    assert.equal(chunks.usedBytes, 200);
    const third = chunk();
    await assert.rejects(chunks.putChunk(third.hash, third.bytes, true, B), (e: DhtError) => e.code === "resource_exhausted");
    const res = await chunks.releaseChunks([c1.hash, c2.hash, sha256Hex("never stored")], { by: A });
    assert.deepEqual(res, { released: 2, kept: 0, missing: 1 });
    assert.equal(chunks.usedBytes, 0);
    assert.equal(chunks.pendingChunks, 0);
    assert.equal(await store.get(chunkKey(c1.hash)), undefined);
    await chunks.putChunk(third.hash, third.bytes, true, B);
  });

  test("another peer may neither release nor commit it: PERMISSION_DENIED naming the placer, nothing changed", async () => {
    const chunks = new ChunkStore(new MemoryRecordStore());
    const [mine, theirs] = [chunk(), chunk()];
    await chunks.putChunk(mine.hash, mine.bytes, true, EVE);
    await chunks.putChunk(theirs.hash, theirs.bytes, true, A);
    const denied = (e: DhtError) => e.code === "permission_denied" && e.message.includes(A.slice(0, 8)) && /only the peer that placed/.test(e.message);
    await assert.rejects(chunks.releaseChunks([mine.hash, theirs.hash], { by: EVE }), denied);
    await assert.rejects(chunks.commitChunks([mine.hash, theirs.hash], { by: EVE }), denied);
    assert.equal(chunks.pendingChunks, 2, "all or nothing: EVE's own chunk was not released either");
    assert.deepEqual(await chunks.commitChunks([theirs.hash], { by: A }), { committed: 1, missing: 0 });
    // A replica spreading a commit (anti-entropy) may commit what it did not place.
    assert.deepEqual(await chunks.commitChunks([mine.hash], { by: B, replicaOf: () => true }), { committed: 1, missing: 0 });
  });

  test("a chunk two uploads placed stays until both release it; a committed one is never released", async () => {
    const chunks = new ChunkStore(new MemoryRecordStore());
    const shared = chunk();
    const done = chunk();
    await chunks.putChunk(shared.hash, shared.bytes, true, A);
    await chunks.putChunk(shared.hash, shared.bytes, true, B);
    await chunks.putChunk(done.hash, done.bytes, true, A);
    await chunks.commitChunks([done.hash], { by: A });
    assert.deepEqual(await chunks.releaseChunks([shared.hash, done.hash], { by: A }), { released: 0, kept: 2, missing: 0 });
    assert.deepEqual(await chunks.getChunk(done.hash), done.bytes);
    assert.deepEqual(await chunks.releaseChunks([shared.hash], { by: B }), { released: 1, kept: 0, missing: 0 });
  });

  test("after a restart the placers are unknown: a release keeps the chunk (the lease collects it), a commit is accepted", async () => {
    const store = new MemoryRecordStore();
    const c = chunk();
    const d = chunk();
    const before = new ChunkStore(store);
    await before.putChunk(c.hash, c.bytes, true, A);
    await before.putChunk(d.hash, d.bytes, true, A);
    const restarted = new ChunkStore(store);
    await restarted.sweepPending();
    assert.deepEqual(await restarted.releaseChunks([c.hash], { by: EVE }), { released: 0, kept: 1, missing: 0 });
    assert.deepEqual(await restarted.commitChunks([d.hash], { by: A }), { committed: 1, missing: 0 });
  });
});

describe("uploads that end without a manifest release their chunks on every peer", () => {
  const CHUNK = 4096;
  const QUOTA = 12 * CHUNK;

  test("a cut upload frees every quota at once: the next upload of nearly the quota's size succeeds", async (t) => {
    // 4 peers, R = 3: a file of n chunks puts about 3n/4 on each; 14 chunks fill 10.5 of each 12-chunk quota.
    const net = await createTestnet(4, { node: { files: { chunkSize: CHUNK }, chunks: { diskQuotaBytes: QUOTA } } });
    t.after(() => net.stop());
    async function* cut(): AsyncGenerator<Uint8Array> {
      yield* pieces(randomBytes(14 * CHUNK));
      throw DhtError.canceled("client went away");
    }
    await assert.rejects(net.nodes[0]!.files.upload(cut(), { name: "cut.bin" }), /client went away/);
    for (const [i, n] of net.nodes.entries()) {
      assert.equal(n.chunks.usedBytes, 0, `peer ${i}: no bytes of the cut upload left`);
      assert.equal(n.chunks.pendingChunks, 0, `peer ${i}: no pending chunk left`);
    }
    const data = randomBytes(14 * CHUNK);
    const f = await net.nodes[1]!.files.upload(pieces(data), { name: "next.bin" });
    assert.deepEqual(await collect(net.nodes[3]!.files.read(f.manifest)), data);
  });

  test("an upload refused past maxFileBytes, or failing for want of space, releases what it placed", async (t) => {
    const net = await createTestnet(4, { node: { files: { chunkSize: CHUNK, maxFileBytes: 6 * CHUNK }, chunks: { diskQuotaBytes: QUOTA } } });
    t.after(() => net.stop());
    await assert.rejects(net.nodes[0]!.files.upload(pieces(randomBytes(8 * CHUNK)), { name: "big.bin" }), (e: DhtError) => e.code === "resource_exhausted");
    for (const n of net.nodes) assert.equal(n.chunks.usedBytes, 0);
    // Full everywhere: 25 chunks need at least W = 2 copies each, 50 chunks on 4 peers of 12;
    // the upload fails and leaves nothing behind. (17 chunks counted R = 3 copies each, but a
    // chunk needs only W acknowledgements, so 17 sometimes fit: a flaky test.)
    net.nodes.forEach((n) => n.updateOptions({ files: { maxFileBytes: 2 ** 30 } }));
    await assert.rejects(net.nodes[0]!.files.upload(pieces(randomBytes(25 * CHUNK)), { name: "too-much.bin" }), (e: DhtError) => e.code === "resource_exhausted");
    for (const n of net.nodes) assert.equal(n.chunks.usedBytes, 0);
  });
});
