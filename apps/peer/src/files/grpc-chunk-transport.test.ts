// FetchChunk / StoreChunk over real grpc-js on 127.0.0.1: frames, verification, quota, errors.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { ContentStore, DhtError, MemoryRecordStore, chunkKey, sha256Hex, silentLogger } from "@p2p/dht";
import type { Contact } from "@p2p/dht";
import { RecordingHandler, startTestPeer, type TestPeer } from "../grpc/test-peers.js";
import { PeerIdentity } from "../identity/peer-identity.js";
import { ContactVerifier } from "../identity/signed-contact.js";
import { chunkServiceMethods } from "./chunk-service.js";
import { GrpcChunkTransport } from "./grpc-chunk-transport.js";

describe("chunk streams over gRPC", () => {
  let peer: TestPeer;
  let store: MemoryRecordStore;
  let content: ContentStore;
  let client: GrpcChunkTransport;
  const senders: Contact[] = [];
  const opts = { timeoutMs: 5000 };

  before(async () => {
    store = new MemoryRecordStore();
    content = new ContentStore(store, { diskQuotaBytes: 5 << 20, maxChunkBytes: 2 << 20 });
    const identity = PeerIdentity.generate();
    const verifier = new ContactVerifier();
    let self: Contact = { id: identity.id, address: "", httpAddress: "" };
    peer = await startTestPeer(new RecordingHandler(), {
      identity,
      getSelf: () => self,
      extraMethods: chunkServiceMethods({ identity, getSelf: () => self, verifier, content: () => content, onSender: (c) => senders.push(c), log: silentLogger }),
    });
    self = peer.contact;
    const me = PeerIdentity.generate();
    const meContact: Contact = { id: me.id, address: "127.0.0.1:1", httpAddress: "" };
    client = new GrpcChunkTransport({ identity: me, self: () => meContact, verifier: new ContactVerifier(), maxChunkBytes: 2 << 20 });
  });
  after(async () => {
    client?.close();
    await peer?.server.close(0);
  });

  test("a 1 MiB chunk streams there and back byte-identical; the second store is a no-op", async () => {
    const bytes = randomBytes((1 << 20) + 17);
    const hash = sha256Hex(bytes);
    assert.deepEqual(await client.storeChunk(peer.contact, hash, bytes, opts), { applied: true });
    assert.deepEqual(await client.storeChunk(peer.contact, hash, bytes, opts), { applied: false });
    const back = await client.fetchChunk(peer.contact, hash, opts);
    assert.ok(Buffer.from(back).equals(bytes));
    assert.ok(senders.length >= 3, "every call teaches the server its sender");
  });

  test("bytes that do not match the hash are refused; a missing chunk is NOT_FOUND", async () => {
    const err = await client.storeChunk(peer.contact, sha256Hex("other"), randomBytes(1000), opts).catch((e: unknown) => e);
    assert.ok(err instanceof DhtError && err.code === "invalid_argument" && /do not match the hash/.test(err.message), String(err));
    const missing = await client.fetchChunk(peer.contact, sha256Hex("none"), opts).catch((e: unknown) => e);
    assert.ok(missing instanceof DhtError && missing.code === "not_found", String(missing));
  });

  test("a corrupt copy on disk is never served: DATA_LOSS, and it is dropped", async () => {
    const bytes = randomBytes(200_000);
    const hash = sha256Hex(bytes);
    await client.storeChunk(peer.contact, hash, bytes, opts);
    const held = (await store.get(chunkKey(hash)))!;
    const bad = held.value.slice();
    bad[100]! ^= 1;
    await store.remove(held.key);
    await store.merge({ ...held, value: bad });
    const err = await client.fetchChunk(peer.contact, hash, opts).catch((e: unknown) => e);
    assert.ok(err instanceof DhtError && err.code === "data_loss", String(err));
    assert.equal(await store.get(chunkKey(hash)), undefined);
    assert.deepEqual(await client.storeChunk(peer.contact, hash, bytes, opts), { applied: true }, "a writer can restore it");
  });

  test("over quota: RESOURCE_EXHAUSTED naming the quota", async () => {
    const big = randomBytes(2 << 20);
    let err: unknown;
    for (let i = 0; i < 4 && !err; i++) {
      const b = Buffer.from(big);
      b[0] = i;
      err = await client.storeChunk(peer.contact, sha256Hex(b), b, opts).then(() => undefined, (e: unknown) => e);
    }
    assert.ok(err instanceof DhtError && err.code === "resource_exhausted" && /disk quota/.test(err.message), String(err));
  });

  test("a chunk above the limit is refused before it is buffered", async () => {
    const huge = randomBytes((2 << 20) + 1);
    const err = await client.storeChunk(peer.contact, sha256Hex(huge), huge, opts).catch((e: unknown) => e);
    assert.ok(err instanceof DhtError && err.code === "invalid_argument" && /size/.test(err.message), String(err));
  });
});
