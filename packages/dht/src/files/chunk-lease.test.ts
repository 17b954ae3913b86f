import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { DhtError } from "../errors.js";
import { sha256Hex } from "../kademlia/node-id.js";
import { RecordTypeRegistry } from "../records/record-registry.js";
import { plainRecords } from "../records/plain-records.js";
import { unimplementedTransport } from "../rpc/peer-rpc.js";
import type { ServerInterceptor } from "../rpc/interceptor.js";
import { MemoryRecordStore } from "../store/memory-store.js";
import { collect, createTestnet, pieces } from "../testing/testnet.js";
import { CHUNK_PREFIX, COMMITTED_CHUNK_VERSION, chunkKey, chunkRecord, isPendingChunk } from "./content-keys.js";
import { ChunkStore, hashChunk } from "./chunk-store.js";
import { chunkRecords, manifestRecords } from "./content-records.js";

const LEASE = 1000;

/** Holders that never hear an uploader's release (down, partitioned): only the lease can collect what it placed. */
const deaf: ServerInterceptor = (next) => async (call) => {
  if (call.method === "releaseChunks") throw DhtError.unavailable("release lost");
  return next(call);
};
const CHUNK = 4096;

function manualClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe("ChunkStore upload lease", () => {
  async function setup() {
    const clock = manualClock();
    const store = new MemoryRecordStore();
    const content = new ChunkStore(store, { chunkLeaseMs: LEASE }, undefined, clock);
        return { clock, store, content };
  }
  const chunk = () => {
    const bytes = randomBytes(100);
    return { bytes, hash: sha256Hex(bytes) };
  };

  test("a pending chunk is collected one lease after it was first seen; a committed one stays", async () => {
    const { clock, store, content } = await setup();
    const orphan = chunk();
    const kept = chunk();
    await content.putChunk(orphan.hash, orphan.bytes, true);
    await content.putChunk(kept.hash, kept.bytes, true);
    assert.deepEqual(await content.commitChunks([kept.hash, sha256Hex("never stored")]), { committed: 1, missing: 1 });
    assert.equal(await content.sweepPending(), 0);
    clock.advance(LEASE - 1);
    assert.equal(await content.sweepPending(), 0, "not before the lease");
    assert.ok(await store.get(chunkKey(orphan.hash)));
    clock.advance(1);
    assert.equal(await content.sweepPending(), 1);
    assert.equal(await store.get(chunkKey(orphan.hash)), undefined);
    assert.equal(content.usedBytes, 100, "the collected chunk's bytes leave the quota");
    clock.advance(10 * LEASE);
    await content.sweepPending();
    assert.deepEqual(await content.getChunk(kept.hash), kept.bytes);
  });

  test("a pending write never demotes a committed chunk (a second upload of the same bytes that is cut)", async () => {
    const { clock, content } = await setup();
    const c = chunk();
    await content.putChunk(c.hash, c.bytes); // committed (repair, earlier file)
    const again = await content.putChunk(c.hash, c.bytes, true);
    assert.equal(again.applied, false);
    clock.advance(5 * LEASE);
    await content.sweepPending();
    clock.advance(5 * LEASE);
    assert.equal(await content.sweepPending(), 0);
    assert.deepEqual(await content.getChunk(c.hash), c.bytes);
  });

  test("a new upload re-sending a pending chunk renews its lease; a commit then keeps it", async () => {
    const { clock, content } = await setup();
    const c = chunk();
    await content.putChunk(c.hash, c.bytes, true);
    clock.advance(LEASE - 10);
    await content.putChunk(c.hash, c.bytes, true); // the second upload starts
    clock.advance(20);
    assert.equal(await content.sweepPending(), 0, "renewed lease has not run out");
    await content.commitChunks([c.hash]);
    clock.advance(10 * LEASE);
    assert.equal(await content.sweepPending(), 0);
    assert.equal(content.pendingChunks, 0);
  });

  test("copies from other peers keep their state; a committed copy upgrades a pending one", async () => {
    const { clock, store, content } = await setup();
    const c = chunk();
    await content.keepRecord(chunkRecord(c.hash, c.bytes, true));
    assert.ok(isPendingChunk((await store.get(chunkKey(c.hash)))!));
    const up = await content.keepRecord(chunkRecord(c.hash, c.bytes, false));
    assert.equal(up.applied, true);
    assert.deepEqual((await store.get(chunkKey(c.hash)))!.version, COMMITTED_CHUNK_VERSION);
    clock.advance(10 * LEASE);
    assert.equal(await content.sweepPending(), 0);
  });

  test("a restart forgets leases: the first sweep starts them, so collection is late, never early", async () => {
    const clock = manualClock();
    const store = new MemoryRecordStore();
    const c = chunk();
    await new ChunkStore(store, { chunkLeaseMs: LEASE }, undefined, clock).putChunk(c.hash, c.bytes, true);
    clock.advance(10 * LEASE);
    const restarted = new ChunkStore(store, { chunkLeaseMs: LEASE }, undefined, clock);
        assert.equal(await restarted.sweepPending(), 0);
    clock.advance(LEASE);
    assert.equal(await restarted.sweepPending(), 1);
  });

  test("commit input is validated, naming the field", async () => {
    const { content } = await setup();
    await assert.rejects(content.commitChunks(["nope"]), (e: DhtError) => e.code === "invalid_argument" && /hashes\[0\]/.test(e.message));
    await assert.rejects(content.commitChunks(Array(2000).fill(sha256Hex("x"))), (e: DhtError) => e.code === "invalid_argument" && /hashes: at most/.test(e.message));
  });

  test("record validation (client puts, Store, anti-entropy pulls) refuses forged content records", () => {
    const c = chunk();
    const store = new MemoryRecordStore();
    const registry = new RecordTypeRegistry([
      chunkRecords(new ChunkStore(store), unimplementedTransport()),
      manifestRecords(store, () => 1 << 20, () => {}),
      plainRecords(store, () => 1 << 20),
    ]);
    assert.doesNotThrow(() => registry.validate(chunkRecord(c.hash, c.bytes)));
    assert.throws(() => registry.validate(chunkRecord(c.hash, randomBytes(100))), /record: chunk:.*does not match its hash/);
  });
});

describe("interrupted uploads on a file testnet", () => {
  test("the cut upload's own chunks are collected on every peer; chunks shared with a stored file stay", async (t) => {
    const clock = manualClock();
    const net = await createTestnet(8, { node: { files: { chunkSize: CHUNK }, chunks: { chunkLeaseMs: LEASE } }, clock, interceptorsFor: () => ({ server: [deaf] }) });
    t.after(() => net.stop());
    const shared = randomBytes(3 * CHUNK);
    const stored = Buffer.concat([shared, randomBytes(2 * CHUNK)]);
    const a = await net.nodes[1]!.files.upload(pieces(stored), { name: "a.bin" });

    // Upload B: the same first 3 chunks, then 2 of its own, then the source fails.
    const own = randomBytes(2 * CHUNK);
    async function* cut(): AsyncGenerator<Uint8Array> {
      yield* pieces(Buffer.concat([shared, own]));
      throw new Error("client went away");
    }
    await assert.rejects(net.nodes[2]!.files.upload(cut(), { name: "b.bin" }), /client went away/);
    const ownHashes = [0, 1].map((i) => sha256Hex(own.subarray(i * CHUNK, (i + 1) * CHUNK)));
    const holdersOf = async (hash: string) => {
      let n = 0;
      for (const p of net.nodes) if (await p.store.get(chunkKey(hash))) n++;
      return n;
    };
    for (const h of ownHashes) assert.ok((await holdersOf(h)) >= 2, "the cut upload stored its chunks (pending)");

    const sweepAll = () => Promise.all(net.nodes.map((p) => p.chunks.sweepPending()));
    await sweepAll();
    clock.advance(LEASE);
    await sweepAll();
    for (const h of ownHashes) assert.equal(await holdersOf(h), 0, `orphan ${h.slice(0, 8)} collected everywhere`);
    for (const h of a.manifest.chunks) assert.ok((await holdersOf(h)) >= 2, `chunk ${h.slice(0, 8)} of the stored file kept`);
    let pendingLeft = 0;
    for (const p of net.nodes) for (const info of await p.store.list({ prefix: CHUNK_PREFIX, limit: 1000 })) if (isPendingChunk(info)) pendingLeft++;
    assert.equal(pendingLeft, 0);
    assert.deepEqual(await collect(net.nodes[5]!.files.read(await net.nodes[5]!.files.manifest(a.id))), stored);
  });

  test("the same content uploaded again after a cut adopts the orphans and keeps them", async (t) => {
    const clock = manualClock();
    const net = await createTestnet(6, { node: { files: { chunkSize: CHUNK }, chunks: { chunkLeaseMs: LEASE } }, clock });
    t.after(() => net.stop());
    const data = randomBytes(4 * CHUNK);
    async function* cut(): AsyncGenerator<Uint8Array> {
      yield* pieces(data.subarray(0, 3 * CHUNK));
      throw new Error("cut");
    }
    await assert.rejects(net.nodes[1]!.files.upload(cut(), { name: "c.bin" }), /cut/);
    await Promise.all(net.nodes.map((p) => p.chunks.sweepPending()));
    clock.advance(LEASE / 2);
    const f = await net.nodes[3]!.files.upload(pieces(data), { name: "c.bin" });
    clock.advance(2 * LEASE);
    await Promise.all(net.nodes.map((p) => p.chunks.sweepPending()));
    assert.deepEqual(await collect(net.nodes[0]!.files.read(f.manifest)), data);
  });
});

describe("orphan chunks and repair", () => {
  test("an orphan whose holders started their leases at different times is collected, not handed back and forth", async (t) => {
    const clock = manualClock();
    const net = await createTestnet(6, { node: { files: { chunkSize: CHUNK }, chunks: { chunkLeaseMs: LEASE } }, clock, interceptorsFor: () => ({ server: [deaf] }) });
    t.after(() => net.stop());
    const own = randomBytes(CHUNK);
    const hash = sha256Hex(own);
    async function* cut(): AsyncGenerator<Uint8Array> {
      yield own;
      yield randomBytes(10); // a second chunk is cut, so the first was stored
      throw new Error("client went away");
    }
    await assert.rejects(net.nodes[1]!.files.upload(cut(), { name: "cut.bin" }), /client went away/);
    const holders = async () => {
      const out = [];
      for (const n of net.nodes) if (await n.store.get(chunkKey(hash))) out.push(n);
      return out;
    };
    const first = await holders();
    assert.ok(first.length >= 2, "the cut upload stored its chunk (pending)");
    const sweepAndRepair = async () => {
      await Promise.all(net.nodes.map((n) => n.chunks.sweepPending()));
      for (const n of net.nodes) await n.antiEntropy.runRound();
      await Promise.all(net.nodes.map((n) => n.coordinator.idle()));
    };
    await sweepAndRepair();
    clock.advance(LEASE / 2);
    // Half a lease in, one holder loses its copy (a replaced disk): a copy that repair placed
    // there would start its lease half a lease after the others'.
    await first[0]!.store.remove(chunkKey(hash));
    for (let i = 0; i < 8; i++) {
      await sweepAndRepair();
      clock.advance(LEASE / 2);
    }
    await sweepAndRepair();
    assert.equal((await holders()).length, 0, "collected on every peer within a few leases");
  });
});

describe("orphans kept alive by copies from other peers (never collected)", () => {
  test("a pending copy arriving as a record (a Store, read repair) does not renew the lease", async () => {
    const clock = manualClock();
    const content = new ChunkStore(new MemoryRecordStore(), { chunkLeaseMs: LEASE }, undefined, clock);
    const bytes = randomBytes(100);
    const hash = sha256Hex(bytes);
    await content.putChunk(hash, bytes, true);
    await content.sweepPending();
    for (const step of [LEASE / 2, LEASE / 2 - 1]) {
      clock.advance(step);
      await content.keepRecord(chunkRecord(hash, bytes, true)); // what a read repair or any peer's Store sends
      assert.equal(await content.sweepPending(), 0, "not before the lease");
    }
    clock.advance(1);
    assert.equal(await content.sweepPending(), 1, "collected one lease after its upload placed it");
    await assert.rejects(content.getChunk(hash), (e: DhtError) => e.code === "not_found");
  });

  test("reads of an orphan's key do not copy it around: it is collected everywhere", async (t) => {
    const clock = manualClock();
    // The holders never hear the uploader's release: only the lease can collect the orphan.
    const net = await createTestnet(6, { node: { files: { chunkSize: CHUNK }, chunks: { chunkLeaseMs: LEASE } }, clock, interceptorsFor: () => ({ server: [deaf] }) });
    t.after(() => net.stop());
    const own = randomBytes(CHUNK);
    const hash = sha256Hex(own);
    async function* cut(): AsyncGenerator<Uint8Array> {
      yield own;
      yield randomBytes(10);
      throw new Error("client went away");
    }
    await assert.rejects(net.nodes[1]!.files.upload(cut(), { name: "cut.bin" }), /client went away/);
    const holders = async () => {
      const out = [];
      for (const n of net.nodes) if (await n.store.get(chunkKey(hash))) out.push(n);
      return out;
    };
    const first = await holders();
    assert.ok(first.length >= 2, "the cut upload stored its chunk (pending)");
    await Promise.all(net.nodes.map((n) => n.chunks.sweepPending()));
    clock.advance(LEASE / 2);
    await first[0]!.store.remove(chunkKey(hash)); // a replaced disk: now the holders' leases could differ
    for (let i = 0; i < 8; i++) {
      // Someone reads the key (GET /get_data/chunk:<hash>, the dashboard's key view).
      await net.nodes[0]!.coordinator.get(chunkKey(hash), { allReplicas: true }).catch(() => {});
      // Three leases after the upload no copy may be left, however often the key was read.
      if (i >= 5) assert.equal((await holders()).length, 0, `read ${i}: collected everywhere, not copied back by read repair`);
      await Promise.all(net.nodes.map((n) => n.coordinator.idle()));
      await Promise.all(net.nodes.map((n) => n.chunks.sweepPending()));
      clock.advance(LEASE / 2);
    }
    await Promise.all(net.nodes.map((n) => n.chunks.sweepPending()));
    assert.equal((await holders()).length, 0, "collected on every peer within a few leases");
  });
});

describe("hashChunk", () => {
  test("a chunk hashed here is stored without hashing again, but only under its own hash", async () => {
    const content = new ChunkStore(new MemoryRecordStore());
        const bytes = randomBytes(100);
    const hash = hashChunk(bytes);
    assert.equal(hash, sha256Hex(bytes));
    const other = sha256Hex(randomBytes(100));
    await assert.rejects(content.putChunk(other, bytes), (e: DhtError) => e.code === "invalid_argument" && /do not match/.test(e.message));
    assert.equal((await content.putChunk(hash, bytes)).applied, true);
    assert.deepEqual(await content.getChunk(hash), bytes);
  });
});
