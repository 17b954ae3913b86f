import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { DhtError, type DhtErrorCode } from "../errors.js";
import { sha256Hex } from "../kademlia/node-id.js";
import { chunkStream } from "./chunker.js";
import { CHUNK_PREFIX, chunkKey, chunkPosition, manifestKey } from "./content-keys.js";
import type { DhtNode } from "../node/dht-node.js";
import { replicaCandidates } from "../replication/replica-candidates.js";
import { collect, createTestnet, pieces, type Testnet } from "../testing/testnet.js";
import { canonicalManifestBytes, decodeManifest, fileIdOf, type FileManifest } from "./manifest.js";

const CHUNK = 4096;

async function rejectsWith(p: Promise<unknown>, code: DhtErrorCode, match?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DhtError, `expected DhtError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (match) assert.match(err.message, match);
    return true;
  });
}

describe("chunkStream", () => {
  test("cuts fixed-size chunks across arbitrary pieces, last one short", async () => {
    const data = randomBytes(10_000);
    const chunks = [];
    for await (const c of chunkStream(pieces(data, 777), 4096)) chunks.push(Buffer.from(c));
    assert.deepEqual(chunks.map((c) => c.length), [4096, 4096, 1808]);
    assert.deepEqual(Buffer.concat(chunks), data);
  });

  test("refuses past the limit with RESOURCE_EXHAUSTED", async () => {
    await rejectsWith(collect(chunkStream(pieces(randomBytes(5000)), 1024, 4999)), "resource_exhausted", /limit of 4999/);
  });
});

describe("manifest", () => {
  const m: FileManifest = { name: "a.txt", size: 5, mediaType: "text/plain", chunkSize: 4, chunks: [sha256Hex("x"), sha256Hex("y")] };

  test("the ID is the hash of the canonical bytes, which decode back", () => {
    assert.equal(fileIdOf(m), sha256Hex(canonicalManifestBytes(m)));
    assert.deepEqual(decodeManifest(canonicalManifestBytes(m)), m);
  });

  test("inconsistent or malformed manifests are DATA_LOSS naming the field", () => {
    const bytes = (o: object) => new TextEncoder().encode(JSON.stringify(o));
    assert.throws(() => decodeManifest(bytes({ ...m, chunks: [m.chunks[0]] })), /manifest.chunks: must list 2 chunks/);
    assert.throws(() => decodeManifest(bytes({ ...m, name: "../x" })), /manifest.name/);
    assert.throws(() => decodeManifest(new Uint8Array([0xff])), (e: DhtError) => e.code === "data_loss");
  });
});

describe("files on a 12-peer memory network", () => {
  let net: Testnet;
  before(async () => {
    // Peer 5 has no room: its refusals must push chunks to the next closest peers.
    net = await createTestnet(12, { node: { files: { chunkSize: CHUNK } }, nodeFor: (i) => (i === 5 ? { chunks: { diskQuotaBytes: 0 } } : {}) });
  });
  after(() => net.stop());

  const holdersOf = async (key: string) => {
    const out: number[] = [];
    for (const [i, p] of net.nodes.entries()) if (await net.store(p).get(key)) out.push(i);
    return out;
  };

  test("upload through one peer, download byte-identical through every other, ranges too", async () => {
    const data = randomBytes(10 * CHUNK + 123);
    const { id, manifest } = await net.nodes[0]!.files.upload(pieces(data), { name: "photo.jpg", mediaType: "image/jpeg" });
    assert.equal(manifest.chunks.length, 11);
    assert.equal(manifest.size, data.length);
    assert.equal(id, fileIdOf(manifest));
    for (const [i, p] of net.nodes.entries()) {
      const m = await p.files.manifest(id);
      assert.deepEqual(m, manifest, `peer ${i}`);
      assert.ok((await collect(p.files.read(m))).equals(data), `peer ${i} full download`);
    }
    const range = await collect(net.nodes[7]!.files.read(manifest, { start: CHUNK - 10, end: 3 * CHUNK + 5 }));
    assert.ok(range.equals(data.subarray(CHUNK - 10, 3 * CHUNK + 5)));
  });

  test("every chunk has 3 copies, none on the peer over quota", async () => {
    const data = randomBytes(20 * CHUNK);
    const { manifest } = await net.nodes[3]!.files.upload(pieces(data), { name: "b.bin" });
    for (const hash of manifest.chunks) {
      const holders = await holdersOf(chunkKey(hash));
      assert.equal(holders.length >= 2 && holders.length <= 3, true, `chunk ${hash} on ${holders}`);
      assert.ok(!holders.includes(5), "the peer over quota holds nothing");
    }
    assert.equal((await net.store(net.nodes[5]!).list({ prefix: CHUNK_PREFIX, limit: 10 })).length, 0);
  });

  test("the same content uploaded twice is stored once", async () => {
    const data = randomBytes(3 * CHUNK);
    const countRecords = async () => {
      let n = 0;
      for (const p of net.nodes) n += net.store(p).count();
      return n;
    };
    const a = await net.nodes[1]!.files.upload(pieces(data), { name: "same.bin" });
    const before = await countRecords();
    const b = await net.nodes[9]!.files.upload(pieces(data, 333), { name: "same.bin" });
    assert.equal(b.id, a.id);
    assert.equal(await countRecords(), before);
  });

  test("a corrupt replica is never served, the download succeeds and the replica is repaired", async () => {
    const data = randomBytes(8 * CHUNK);
    const { id, manifest } = await net.nodes[2]!.files.upload(pieces(data), { name: "c.bin" });
    // A reader that holds no copy asks its R closest first, rotated by the chunk's index (to
    // spread load). Find a chunk whose first-asked peer, in the reader's own view, holds it,
    // and corrupt that copy, so the corruption must be met (the R closest may include the
    // peer over quota, which holds nothing).
    let found: { reader: DhtNode; victim: DhtNode; hash: string } | undefined;
    for (const [index, hash] of manifest.chunks.entries()) {
      const holders = await holdersOf(chunkKey(hash));
      const reader = net.nodes.find((_, i) => !holders.includes(i) && i !== 5)!;
      const remote = (await replicaCandidates(reader.kademlia, chunkPosition(hash), 3)).filter((c) => c.id !== reader.self.id);
      const first = remote[index % remote.length]!;
      const victim = net.nodes.find((p, i) => p.self.id === first.id && holders.includes(i));
      if (victim) {
        found = { reader, victim, hash };
        break;
      }
    }
    assert.ok(found, "some chunk's first-asked peer holds it");
    const { reader, victim, hash } = found;
    const held = (await net.store(victim).get(chunkKey(hash)))!;
    const bad = held.value.slice();
    bad[0]! ^= 0xff;
    await net.store(victim).remove(held.key);
    await net.store(victim).merge({ ...held, value: bad });
    assert.ok((await collect(reader.files.read(await reader.files.manifest(id)))).equals(data));
    await reader.files.idle();
    const repaired = await net.store(victim).get(chunkKey(hash));
    assert.ok(repaired && sha256Hex(repaired.value) === hash, "the corrupt replica was replaced by intact bytes");
  });

  test("a corrupt copy on a stand-in beyond the R closest is repaired too, and no copy is added beyond them", async () => {
    const data = randomBytes(CHUNK);
    const { id, manifest } = await net.nodes[6]!.files.upload(pieces(data), { name: "e.bin" });
    const hash = manifest.chunks[0]!;
    const key = chunkKey(hash);
    const holders = await holdersOf(key);
    const intact = (await net.store(net.nodes[holders[0]!]!).get(key))!;
    const reader = net.nodes.find((_, i) => !holders.includes(i) && i !== 5)!;
    const self = reader.self.id;
    const position = chunkPosition(hash);
    const closest = (await replicaCandidates(reader.kademlia, position, 3)).map((c) => c.id);
    const spares = (await replicaCandidates(reader.kademlia, position, 6))
      .map((c) => c.id)
      .filter((c) => c !== self && !closest.includes(c) && c !== net.nodes[5]!.self.id);
    const peerById = (peerId: string) => net.nodes.find((p) => p.self.id === peerId)!;
    // None of the R closest holds it; the first spare asked holds it corrupt, the next intact
    // (as after refusals and a bad disk).
    for (const i of holders) await net.store(net.nodes[i]!).remove(key);
    const bad = intact.value.slice();
    bad[0]! ^= 0xff;
    await net.store(peerById(spares[0]!)).merge({ ...intact, value: bad });
    await net.store(peerById(spares[1]!)).merge(intact);
    assert.ok((await collect(reader.files.read(await reader.files.manifest(id)))).equals(data));
    await reader.files.idle();
    const fixed = await net.store(peerById(spares[0]!)).get(key);
    assert.ok(fixed && sha256Hex(fixed.value) === hash, "the corrupt stand-in now holds intact bytes");
    for (const peerId of closest) {
      if (peerId === net.nodes[5]!.self.id) continue; // over quota: refuses the repair
      const copy = await net.store(peerById(peerId)).get(key);
      assert.ok(copy && sha256Hex(copy.value) === hash, `closest ${peerId.slice(0, 8)} was given the chunk`);
    }
    assert.equal((await holdersOf(key)).filter((i) => !closest.includes(net.nodes[i]!.self.id)).length, 2, "beyond the R closest, only the two stand-ins hold it");
  });

  test("a holder that fails mid-download does not fail it", async () => {
    const data = randomBytes(6 * CHUNK);
    const { manifest } = await net.nodes[4]!.files.upload(pieces(data), { name: "d.bin" });
    const holders = await holdersOf(chunkKey(manifest.chunks[0]!));
    const readerIndex = [...net.nodes.keys()].find((i) => !holders.includes(i) && i !== 5)!;
    const down = holders.find((i) => i !== readerIndex)!;
    net.network.fail(net.nodes[down]!.self.id);
    try {
      assert.ok((await collect(net.nodes[readerIndex]!.files.read(manifest))).equals(data));
    } finally {
      net.network.recover(net.nodes[down]!.self.id);
    }
  });

  test("an upload cut half way stores no manifest", async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield randomBytes(3 * CHUNK);
      throw new Error("client went away");
    }
    await assert.rejects(net.nodes[6]!.files.upload(broken(), { name: "cut.bin" }), /client went away/);
    // Nothing under file: names a manifest for these chunks; chunks themselves stay until collected.
    for (const p of net.nodes) {
      for (const { manifest } of await p.files.listManifests()) assert.notEqual(manifest.name, "cut.bin");
    }
  });

  test("bad input: malformed and unknown IDs, bad names, forged content records", async () => {
    const p = net.nodes[0]!;
    await rejectsWith(p.files.manifest("xyz"), "invalid_argument", /id: must be a file ID/);
    await rejectsWith(p.files.manifest("0".repeat(64)), "not_found", /no such file/);
    await rejectsWith(p.files.upload(pieces(randomBytes(10)), { name: "a/b" }), "invalid_argument", /name: must not contain slashes/);
    await rejectsWith(p.files.upload(pieces(randomBytes(10)), { name: "a", mediaType: "nope" }), "invalid_argument", /mediaType/);
    // Records whose bytes do not match the hash in their key are refused by the receiver.
    const to = net.nodes[1]!.self;
    const version = { wallMs: 0, logical: 0, writer: "0".repeat(64) };
    const forged = { key: chunkKey(sha256Hex("real")), value: new TextEncoder().encode("fake"), version, tombstone: false };
    await rejectsWith(net.transports[0]!.store(to, forged, { timeoutMs: 1000 }), "invalid_argument", /does not match its hash/);
    const notManifest = new TextEncoder().encode("not a manifest");
    const fakeFile = { key: manifestKey(sha256Hex(notManifest)), value: notManifest, version, tombstone: false };
    await rejectsWith(net.transports[0]!.store(to, fakeFile, { timeoutMs: 1000 }), "invalid_argument", /manifest: not valid JSON/);
    assert.equal(await net.store(net.nodes[1]!).get(forged.key), undefined);
  });
});
