import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { Client, Metadata, credentials, status } from "@grpc/grpc-js";
import type { ServiceError } from "@grpc/grpc-js";
import { FindNodeRequestSchema, PeerService, PingRequestSchema, StoreRequestSchema } from "@p2p/proto/peer";
import { DhtError, unimplementedHandler } from "@p2p/dht";
import type { Contact, DhtErrorCode, DhtRecord, PeerRpcHandler } from "@p2p/dht";
import { PeerIdentity } from "../identity/peer-identity.js";
import { signContact } from "../identity/signed-contact.js";
import { grpcServiceDefinition } from "./service-definition.js";
import { RecordingHandler, startTestPeer, testTransport } from "./test-peers.js";

const peerService = grpcServiceDefinition(PeerService);
const opts = { timeoutMs: 5000 };

function record(key: string, value = "v", writer = "a".repeat(64)): DhtRecord {
  return { key, value: new TextEncoder().encode(value), version: { wallMs: 1000, logical: 2, writer }, tombstone: false };
}

async function assertDhtError(p: Promise<unknown>, code: DhtErrorCode, message?: RegExp): Promise<DhtError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof DhtError, `expected DhtError, got ${String(err)}`);
    assert.equal(err.code, code, `${err.code}: ${err.message}`);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${code}, call succeeded`);
}

/** A raw grpc-js call, bypassing the transport, so tests can send what a hostile peer would. */
function rawCall<Req, Res>(address: string, method: { path: string; requestSerialize: (r: Req) => Buffer; responseDeserialize: (b: Buffer) => Res }, req: Req): Promise<Res> {
  const client = new Client(address, credentials.createInsecure());
  return new Promise<Res>((resolve, reject) => {
    client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, req, new Metadata(), { deadline: Date.now() + 5000 }, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res!);
    });
  });
}

async function assertGrpcStatus(p: Promise<unknown>, code: status, details: RegExp): Promise<void> {
  await assert.rejects(p, (err: ServiceError) => {
    assert.equal(err.code, code, err.details);
    assert.match(err.details, details);
    return true;
  });
}

describe("PeerService over gRPC", async () => {
  const handler = new RecordingHandler();
  const peer = await startTestPeer(handler);
  const { transport, self } = testTransport();
  after(async () => {
    transport.close();
    await peer.server.close(0);
  });

  test("service definition paths come from the descriptor", () => {
    assert.equal(peerService.ping.path, "/p2p.v1.PeerService/Ping");
    assert.equal(peerService.findValue.path, "/p2p.v1.PeerService/FindValue");
    assert.equal(peerService.store.requestStream, false);
  });

  test("ping, findNode, findValue and store round trip with the verified sender", async () => {
    const known: Contact = { id: "b".repeat(64), address: "10.0.0.2:4000", httpAddress: "" };
    handler.contacts = [known];
    await transport.ping(peer.contact, opts);
    assert.deepEqual(await transport.findNode(peer.contact, "c".repeat(64), opts), [known]);

    const missing = await transport.findValue(peer.contact, "nothing", opts);
    assert.equal(missing.record, undefined);
    assert.deepEqual(missing.contacts, [known]);

    const rec = record("greeting", "hello");
    assert.deepEqual(await transport.store(peer.contact, rec, opts), { applied: true, current: rec.version });
    const found = await transport.findValue(peer.contact, "greeting", opts);
    assert.deepEqual(found.record, rec);

    const tomb: DhtRecord = { ...record("gone"), value: new Uint8Array(), tombstone: true };
    await transport.store(peer.contact, tomb, opts);
    assert.deepEqual((await transport.findValue(peer.contact, "gone", opts)).record, tomb);

    assert.deepEqual(handler.calls.map((c) => c.method).slice(0, 5), ["ping", "findNode", "findValue", "store", "findValue"]);
    for (const call of handler.calls) assert.deepEqual(call.from, self);
    assert.equal(transport.openChannels, 1);
  });

  test("probe returns the verified contact of an address; bad addresses are refused", async () => {
    assert.deepEqual(await transport.probe(peer.contact.address, opts), peer.contact);
    await assertDhtError(transport.probe("no-port", opts), "invalid_argument", /address/);
  });

  test("handler DhtErrors keep their code; other errors become INTERNAL without details", async () => {
    await assertDhtError(transport.store(peer.contact, record("forbidden"), opts), "permission_denied", /forbidden/);
    const err = await assertDhtError(transport.store(peer.contact, record("crash"), opts), "internal");
    assert.doesNotMatch(err.message, /secret|at /);
  });

  test("forged, missing or malformed senders are rejected before the handler", async () => {
    const before = handler.calls.length;
    const mallory = PeerIdentity.generate();
    const victim = PeerIdentity.generate();
    const good = signContact(mallory, { id: mallory.id, address: "127.0.0.1:9", httpAddress: "" }, Date.now());
    const ping = (sender: typeof good | undefined) => rawCall(peer.contact.address, peerService.ping, create(PingRequestSchema, { sender }));

    await assertGrpcStatus(ping(undefined), status.UNAUTHENTICATED, /sender: missing/);
    // Claims the victim's ID with mallory's key.
    await assertGrpcStatus(ping({ ...good, id: victim.id }), status.UNAUTHENTICATED, /sender\.id/);
    // Victim's key and ID, signature by mallory.
    await assertGrpcStatus(ping({ ...good, id: victim.id, publicKey: victim.publicKey }), status.UNAUTHENTICATED, /sender\.signature/);
    await assertGrpcStatus(ping({ ...good, grpcAddress: "127.0.0.1:10" }), status.UNAUTHENTICATED, /sender\.signature/);
    const badAddress = signContact(mallory, { id: mallory.id, address: "127.0.0.1:0", httpAddress: "" }, Date.now());
    await assertGrpcStatus(ping(badAddress), status.INVALID_ARGUMENT, /sender\.grpc_address/);
    assert.equal(handler.calls.length, before, "the handler must never see a rejected request");

    await ping(good);
    assert.equal(handler.calls.length, before + 1);
  });

  test("malformed request fields are rejected with INVALID_ARGUMENT naming the field", async () => {
    const before = handler.calls.length;
    const mallory = PeerIdentity.generate();
    const sender = signContact(mallory, { id: mallory.id, address: "127.0.0.1:9", httpAddress: "" }, Date.now());
    const addr = peer.contact.address;
    await assertGrpcStatus(rawCall(addr, peerService.findNode, create(FindNodeRequestSchema, { sender, target: "ABC" })), status.INVALID_ARGUMENT, /target/);
    await assertGrpcStatus(rawCall(addr, peerService.store, create(StoreRequestSchema, { sender })), status.INVALID_ARGUMENT, /record: missing/);
    await assertDhtError(transport.store(peer.contact, record("k".repeat(1025)), opts), "invalid_argument", /record\.key/);
    await assertDhtError(transport.store(peer.contact, record("", "x"), opts), "invalid_argument", /record\.key/);
    await assertDhtError(transport.store(peer.contact, record("k", "x", "not-hex"), opts), "invalid_argument", /record\.version\.writer/);
    assert.equal(handler.calls.length, before);
  });

  test("a responder with another identity is detected", async () => {
    const expected = PeerIdentity.generate().id;
    await assertDhtError(
      transport.ping({ ...peer.contact, id: expected }, opts),
      "failed_precondition",
      new RegExp(`peer at ${peer.contact.address} is ${peer.contact.id}, not ${expected}`),
    );
  });

  test("replies are capped and malformed contacts dropped", async () => {
    const { transport: capped } = testTransport({ maxContactsPerReply: 3 });
    try {
      handler.contacts = [
        { id: "1".repeat(64), address: "127.0.0.1:1", httpAddress: "" },
        { id: "not an id", address: "127.0.0.1:2", httpAddress: "" },
        { id: "3".repeat(64), address: "127.0.0.1", httpAddress: "" },
        { id: "4".repeat(64), address: "127.0.0.1:4", httpAddress: "" },
        { id: "5".repeat(64), address: "127.0.0.1:5", httpAddress: "" },
      ];
      const got = await capped.findNode(peer.contact, "0".repeat(64), opts);
      assert.deepEqual(got.map((c) => c.id[0]), ["1"]);
    } finally {
      capped.close();
    }
  });

  test("an aborted call fails with Canceled", async () => {
    const ac = new AbortController();
    ac.abort();
    await assertDhtError(transport.ping(peer.contact, { timeoutMs: 5000, signal: ac.signal }), "canceled");
  });
});

describe("limits and deadlines", async () => {
  const stuck: PeerRpcHandler = {
    ...unimplementedHandler(),
    onPing: async () => {},
    onFindNode: async () => [],
    onFindValue: () => new Promise(() => {}),
    onStore: async (_from, r) => ({ applied: true, current: r.version }),
  };
  const peer = await startTestPeer(stuck, { maxMessageBytes: 64 * 1024 });
  const other = await startTestPeer(new RecordingHandler());
  const { transport } = testTransport({ maxMessageBytes: 1024 * 1024, maxChannels: 1 });
  after(async () => {
    transport.close();
    await Promise.all([peer.server.close(0), other.server.close(0)]);
  });

  test("a handler that never answers yields DEADLINE_EXCEEDED", async () => {
    await assertDhtError(transport.findValue(peer.contact, "k", { timeoutMs: 300 }), "deadline_exceeded");
  });

  test("an oversized message is rejected with RESOURCE_EXHAUSTED", async () => {
    const big = { ...record("big"), value: new Uint8Array(100 * 1024) };
    await assertDhtError(transport.store(peer.contact, big, opts), "resource_exhausted");
    await transport.store(peer.contact, record("small"), opts);
  });

  test("the channel pool stays within maxChannels", async () => {
    await transport.ping(peer.contact, opts);
    await transport.ping(other.contact, opts);
    assert.equal(transport.openChannels, 1);
    await transport.ping(peer.contact, opts);
    assert.equal(transport.openChannels, 1);
  });

  test("calls after close fail with Unavailable", async () => {
    const { transport: t } = testTransport();
    t.close();
    await assertDhtError(t.ping(other.contact, opts), "unavailable");
  });
});
