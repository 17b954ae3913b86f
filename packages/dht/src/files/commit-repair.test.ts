import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { COMMITTED_CHUNK_VERSION, chunkKey, chunkRecord, isPendingChunk } from "./content-keys.js";
import { createTestnet, pieces, type Testnet } from "../testing/testnet.js";

const CHUNK = 256 * 1024;
const FILE = 16 * CHUNK;

/** Bytes anti-entropy moved: what peers pushed plus what they pulled (digests and key lists count twice, a small overcount). */
const repairBytes = (net: Testnet) =>
  net.nodes.reduce((s, p) => {
    const h = p.replicationHealth();
    return s + h.bytesSent + h.bytesReceived;
  }, 0);

async function roundsOnEveryPeer(net: Testnet, rounds: number): Promise<void> {
  for (let r = 0; r < rounds; r++) for (const p of net.nodes) await p.antiEntropy.runRound();
}

describe("anti-entropy after an upload", () => {
  test("a commit that missed a holder spreads as a version: repair moves far fewer bytes than the file", async (t) => {
    const net = await createTestnet(6, { node: { files: { chunkSize: CHUNK } } });
    t.after(() => net.stop());
    const data = randomBytes(FILE);
    const { manifest } = await net.nodes[0]!.files.upload(pieces(data, 10_000), { name: "f.bin" });
    // Settle first: a lookup during the upload may have missed a replica, whose copy repair
    // then sends whole (rightly); that is not what this test measures.
    await roundsOnEveryPeer(net, 2);

    // One holder of every chunk lost its CommitChunks: it still holds the chunk pending.
    const holdersOf = async (hash: string) => {
      const out = [];
      for (const p of net.nodes) if (await p.store.get(chunkKey(hash))) out.push(p);
      return out;
    };
    for (const [i, hash] of manifest.chunks.entries()) {
      const holders = await holdersOf(hash);
      assert.ok(holders.length >= 2, `chunk ${i} stored on at least W peers`);
      const missed = holders[i % holders.length]!;
      await missed.store.remove(chunkKey(hash));
      await missed.store.merge(chunkRecord(hash, data.subarray(i * CHUNK, (i + 1) * CHUNK), true));
    }

    const before = repairBytes(net);
    await roundsOnEveryPeer(net, 2);
    const moved = repairBytes(net) - before;

    for (const [i, hash] of manifest.chunks.entries()) {
      for (const p of await holdersOf(hash)) {
        const held = (await p.store.get(chunkKey(hash)))!;
        assert.ok(!isPendingChunk(held), `chunk ${i} committed on ${p.self.id.slice(0, 8)} after repair`);
        assert.deepEqual(held.version, COMMITTED_CHUNK_VERSION);
        assert.ok(Buffer.from(held.value).equals(data.subarray(i * CHUNK, (i + 1) * CHUNK)), `chunk ${i}: same bytes`);
      }
    }
    assert.ok(moved < FILE / 8, `repair moved ${moved} bytes for a ${FILE}-byte file whose chunks all had their bytes in place`);
  });

  test("a holder that lacks a chunk still receives it whole", async (t) => {
    const net = await createTestnet(6, { node: { files: { chunkSize: CHUNK } } });
    t.after(() => net.stop());
    const data = randomBytes(2 * CHUNK);
    const { manifest } = await net.nodes[0]!.files.upload(pieces(data, 10_000), { name: "g.bin" });
    const hash = manifest.chunks[0]!;
    const holders = [];
    for (const p of net.nodes) if (await p.store.get(chunkKey(hash))) holders.push(p);
    const lost = holders[0]!;
    await lost.store.remove(chunkKey(hash));

    await roundsOnEveryPeer(net, 2);
    const back = await lost.store.get(chunkKey(hash));
    assert.ok(back, "the copy came back");
    assert.ok(Buffer.from(back.value).equals(data.subarray(0, CHUNK)));
    assert.ok(!isPendingChunk(back));
  });
});
