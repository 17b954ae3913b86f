// The PeerService rate limit on a real grpc-js server: calls beyond a peer's bucket end with
// RESOURCE_EXHAUSTED and retry-after before the handler sees them, a chunk stream is one call
// however many frames it has, health checks are never limited, and the key is a parameter.
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { PeerService, PingRequestSchema, StoreChunkRequestSchema } from "@p2p/proto/peer";
import { PeerIdentity } from "../identity/peer-identity.js";
import { SelfContactSigner } from "../identity/signed-contact.js";
import { KeyedTokenBuckets, type RateBucket } from "../rate-limit/keyed-token-buckets.js";
import type { PeerKeyOf } from "./peer-rate-limit.js";
import { grpcServiceDefinition } from "./service-definition.js";
import { RecordingHandler, startTestPeer } from "./test-peers.js";

const peerService = grpcServiceDefinition(PeerService);
const identity = PeerIdentity.generate();
const sender = new SelfContactSigner(identity).sign({ id: identity.id, address: "127.0.0.1:1", httpAddress: "127.0.0.1:2" });
const bytes = (b: Buffer) => b;

/** A server whose PeerService allows `burst` calls and then (practically) none: one token per 1000 s. */
async function serve(t: TestContext, burst: number, keyOf?: PeerKeyOf) {
  const handler = new RecordingHandler();
  const limited: RateBucket[] = [];
  const buckets = new KeyedTokenBuckets({ ratePerSecond: 0.001, burst }, { maxKeys: 100 });
  const peer = await startTestPeer(handler, { rateLimit: { buckets, maxClients: 100, onLimited: (b) => limited.push(b), ...(keyOf ? { keyOf } : {}) } });
  const client = new grpc.Client(peer.contact.address, grpc.credentials.createInsecure());
  t.after(async () => {
    client.close();
    await peer.server.close(0);
  });
  const unary = (path: string, body: Uint8Array) =>
    new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(path, bytes, bytes, Buffer.from(body), new grpc.Metadata(), { deadline: Date.now() + 5000 }, (err) => resolve(err)),
    );
  const ping = () => unary(peerService.ping.path, toBinary(PingRequestSchema, create(PingRequestSchema, { sender })));
  return { handler, limited, client, unary, ping };
}

test("calls beyond the bucket get RESOURCE_EXHAUSTED with retry-after, and never reach the handler", async (t) => {
  const { handler, limited, ping } = await serve(t, 3);
  for (let i = 0; i < 3; i++) assert.equal(await ping(), null);
  const err = await ping();
  assert.ok(err, "the 4th call must be refused");
  assert.equal(err.code, grpc.status.RESOURCE_EXHAUSTED, err.details);
  assert.match(err.details, /^rate limit: more than 0\.001 calls\/s from peer 127\.0\.0\.1; retry after \d+ ms$/);
  const retryAfter = Number(err.metadata.get("retry-after")[0]);
  assert.ok(retryAfter > 900_000 && retryAfter <= 1_000_000, `retry-after ${retryAfter}`);
  assert.equal(handler.calls.length, 3);
  assert.deepEqual(limited, ["client"]);
});

test("grpc.health.v1 is not limited", async (t) => {
  const { ping, unary } = await serve(t, 1);
  assert.equal(await ping(), null);
  assert.equal((await ping())?.code, grpc.status.RESOURCE_EXHAUSTED);
  // Check for service "" (field 1, empty): answered whatever the PeerService bucket holds.
  for (let i = 0; i < 5; i++) assert.equal(await unary("/grpc.health.v1.Health/Check", new Uint8Array([0x0a, 0x00])), null);
});

test("a chunk stream takes one token however many frames it carries", async (t) => {
  const { client, ping } = await serve(t, 2);
  const frames = 10;
  const err = await new Promise<grpc.ServiceError | null>((resolve) => {
    const call = client.makeClientStreamRequest<Buffer, Buffer>(peerService.storeChunk.path, bytes, bytes, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (e) => resolve(e));
    for (let i = 0; i < frames; i++) {
      const first = i === 0 ? { sender, hash: "a".repeat(64), size: frames * 10 } : {};
      call.write(Buffer.from(toBinary(StoreChunkRequestSchema, create(StoreChunkRequestSchema, { ...first, data: new Uint8Array(10) }))));
    }
    call.end();
  });
  // The test handler serves no chunks: UNIMPLEMENTED shows the whole stream reached it.
  assert.equal(err?.code, grpc.status.UNIMPLEMENTED, err?.details);
  assert.equal(await ping(), null, "the second token is still there");
  assert.equal((await ping())?.code, grpc.status.RESOURCE_EXHAUSTED);
});

test("the key is a parameter: calls keyed apart draw from separate buckets", async (t) => {
  let n = 0;
  const { ping, limited } = await serve(t, 2, () => `peer-${n++ % 2}`);
  for (let i = 0; i < 4; i++) assert.equal(await ping(), null, `call ${i}`);
  const err = await ping();
  assert.equal(err?.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(err!.details, /from peer peer-0;/);
  assert.deepEqual(limited, ["client"]);
});
