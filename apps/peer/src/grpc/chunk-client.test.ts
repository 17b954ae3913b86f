// FetchChunk / StoreChunk over real grpc-js on 127.0.0.1: frames, verification, quota, errors.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { ChunkStore, DhtError, MemoryRecordStore, chunkKey, sha256Hex } from "@p2p/dht";
import type { Contact, PeerRpcHandler } from "@p2p/dht";
import { PeerIdentity } from "../identity/peer-identity.js";
import { ContactVerifier } from "../identity/signed-contact.js";
import { ChunkClient } from "./chunk-client.js";
import { Responders } from "./responders.js";
import { RecordingHandler, startTestPeer, type TestPeer } from "./test-peers.js";

describe("chunk streams over gRPC", () => {
  let peer: TestPeer;
  let store: MemoryRecordStore;
  let content: ChunkStore;
  let client: ChunkClient;
  const senders: Contact[] = [];
  const opts = { timeoutMs: 5000 };

  before(async () => {
    store = new MemoryRecordStore();
    content = new ChunkStore(store, { diskQuotaBytes: 5 << 20, maxChunkBytes: 2 << 20 });
    // What a node's handler does with chunk calls: learn the sender, answer from its chunk store.
    const recording = new RecordingHandler();
    const handler: PeerRpcHandler = {
      onPing: (f) => recording.onPing(f),
      onFindNode: (f, t) => recording.onFindNode(f, t),
      onFindValue: (f, k) => recording.onFindValue(f, k),
      onStore: (f, r) => recording.onStore(f, r),
      onSyncDigest: () => recording.onSyncDigest(),
      onSyncKeys: () => recording.onSyncKeys(),
      onFetchRecords: () => recording.onFetchRecords(),
      onGoodbye: () => recording.onGoodbye(),
      onFetchChunk: async (from, hash) => (senders.push(from), content.getChunk(hash)),
      onStoreChunk: async (from, c) => (senders.push(from), { applied: (await content.putChunk(c.hash, c.bytes, c.pending, from.id)).applied }),
      onCommitChunks: async (from, hashes) => (senders.push(from), content.commitChunks(hashes, { by: from.id })),
      onReleaseChunks: async (from, hashes) => (senders.push(from), content.releaseChunks(hashes, { by: from.id })),
      onStoreMany: () => recording.onStoreMany(),
      onFindValueMany: () => recording.onFindValueMany(),
    };
    peer = await startTestPeer(handler, { maxChunkBytes: 2 << 20 });
    const me = PeerIdentity.generate();
    const meContact: Contact = { id: me.id, address: "127.0.0.1:1", httpAddress: "" };
    client = new ChunkClient({ identity: me, self: () => meContact, responders: new Responders(new ContactVerifier(), 16), maxChunkBytes: 2 << 20 });
  });
  after(async () => {
    client?.close();
    await peer?.server.close(0);
  });

  test("a 1 MiB chunk streams there and back byte-identical; the second store is a no-op", async () => {
    const bytes = randomBytes((1 << 20) + 17);
    const hash = sha256Hex(bytes);
    assert.deepEqual(await client.storeChunk(peer.contact, { hash, bytes, pending: false }, opts), { applied: true });
    assert.deepEqual(await client.storeChunk(peer.contact, { hash, bytes, pending: false }, opts), { applied: false });
    const back = await client.fetchChunk(peer.contact, hash, opts);
    assert.ok(Buffer.from(back).equals(bytes));
    assert.ok(senders.length >= 3, "every call reaches the handler with its verified sender");
  });

  test("bytes that do not match the hash are refused; a missing chunk is NOT_FOUND", async () => {
    const err = await client.storeChunk(peer.contact, { hash: sha256Hex("other"), bytes: randomBytes(1000), pending: false }, opts).catch((e: unknown) => e);
    assert.ok(err instanceof DhtError && err.code === "invalid_argument" && /do not match the hash/.test(err.message), String(err));
    const missing = await client.fetchChunk(peer.contact, sha256Hex("none"), opts).catch((e: unknown) => e);
    assert.ok(missing instanceof DhtError && missing.code === "not_found", String(missing));
  });

  test("a corrupt copy on disk is never served: DATA_LOSS, and it is dropped", async () => {
    const bytes = randomBytes(200_000);
    const hash = sha256Hex(bytes);
    await client.storeChunk(peer.contact, { hash, bytes, pending: false }, opts);
    const held = (await store.get(chunkKey(hash)))!;
    const bad = held.value.slice();
    bad[100]! ^= 1;
    await store.remove(held.key);
    await store.merge({ ...held, value: bad });
    const err = await client.fetchChunk(peer.contact, hash, opts).catch((e: unknown) => e);
    assert.ok(err instanceof DhtError && err.code === "data_loss", String(err));
    assert.equal(await store.get(chunkKey(hash)), undefined);
    assert.deepEqual(await client.storeChunk(peer.contact, { hash, bytes, pending: false }, opts), { applied: true }, "a writer can restore it");
  });

  test("a pending chunk is released by its uploader only; anyone else gets PERMISSION_DENIED", async () => {
    const bytes = randomBytes(100_000);
    const hash = sha256Hex(bytes);
    await client.storeChunk(peer.contact, { hash, bytes, pending: true }, opts);
    const other = PeerIdentity.generate();
    const stranger = new ChunkClient({ identity: other, self: () => ({ id: other.id, address: "127.0.0.1:1", httpAddress: "" }), responders: new Responders(new ContactVerifier(), 16), maxChunkBytes: 2 << 20 });
    try {
      const err = await stranger.releaseChunks(peer.contact, [hash], opts).catch((e: unknown) => e);
      assert.ok(err instanceof DhtError && err.code === "permission_denied" && /only the peer that placed/.test(err.message), String(err));
      const commit = await stranger.commitChunks(peer.contact, [hash], opts).catch((e: unknown) => e);
      assert.ok(commit instanceof DhtError && commit.code === "permission_denied", String(commit));
    } finally {
      stranger.close();
    }
    assert.deepEqual(await client.releaseChunks(peer.contact, [hash, sha256Hex("none")], opts), { released: 1, kept: 0, missing: 1 });
    assert.equal(await store.get(chunkKey(hash)), undefined);
  });

  test("over quota: RESOURCE_EXHAUSTED naming the quota", async () => {
    const big = randomBytes(2 << 20);
    let err: unknown;
    for (let i = 0; i < 4 && !err; i++) {
      const b = Buffer.from(big);
      b[0] = i;
      err = await client.storeChunk(peer.contact, { hash: sha256Hex(b), bytes: b, pending: false }, opts).then(() => undefined, (e: unknown) => e);
    }
    assert.ok(err instanceof DhtError && err.code === "resource_exhausted" && /disk quota/.test(err.message), String(err));
  });

  test("a chunk above the limit is refused before it is buffered", async () => {
    const huge = randomBytes((2 << 20) + 1);
    const err = await client.storeChunk(peer.contact, { hash: sha256Hex(huge), bytes: huge, pending: false }, opts).catch((e: unknown) => e);
    assert.ok(err instanceof DhtError && err.code === "invalid_argument" && /size/.test(err.message), String(err));
  });
});
