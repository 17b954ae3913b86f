// The gRPC port's limits on a real server: connections that send nothing or no HTTP/2 are
// closed, upload streams that stall neither starve downloads nor live past the frame timeout.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import net from "node:net";
import { test, type TestContext } from "node:test";
import { create, toBinary, fromBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { StoreChunkRequestSchema, StoreChunkResponseSchema } from "@p2p/proto/peer";
import { PeerIdentity } from "../identity/peer-identity.js";
import { SelfContactSigner } from "../identity/signed-contact.js";
import type { PeerGrpcServerOptions } from "./peer-server.js";
import { RecordingHandler, startTestPeer, testTransport } from "./test-peers.js";

const chunk = randomBytes(200_000);
const chunkHash = createHash("sha256").update(chunk).digest("hex");

class ChunkHandler extends RecordingHandler {
  override async onFetchChunk(): Promise<Uint8Array> {
    return chunk;
  }
}

async function serve(t: TestContext, extra: Partial<PeerGrpcServerOptions>) {
  const peer = await startTestPeer(new ChunkHandler(), extra);
  t.after(() => peer.server.close(0));
  return peer;
}

function connection(port: number, talk: (s: net.Socket) => void = () => {}): Promise<number> {
  return new Promise((resolve) => {
    const started = Date.now();
    const s = net.connect(port, "127.0.0.1", () => talk(s));
    s.on("error", () => {});
    s.on("close", () => resolve(Date.now() - started));
  });
}

/** Opens a StoreChunk stream from a real (signed) sender, sends the first frame and part of the data, then goes quiet. */
function stalledUpload(address: string, onEnd: (err: grpc.ServiceError | null) => void): grpc.ClientWritableStream<Buffer> {
  const identity = PeerIdentity.generate();
  const sender = new SelfContactSigner(identity).sign({ id: identity.id, address: "127.0.0.1:1", httpAddress: "127.0.0.1:2" });
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const call = client.makeClientStreamRequest<Buffer, Buffer>(
    "/p2p.v1.PeerService/StoreChunk",
    (b) => b,
    (b) => b,
    new grpc.Metadata(),
    { deadline: Date.now() + 30_000 },
    (err, res) => {
      if (res) fromBinary(StoreChunkResponseSchema, res);
      client.close();
      onEnd(err);
    },
  );
  call.write(Buffer.from(toBinary(StoreChunkRequestSchema, create(StoreChunkRequestSchema, { sender, hash: "a".repeat(64), size: 1000, data: new Uint8Array(10) }))));
  return call;
}

test("a connection to the gRPC port that sends nothing is closed at the header timeout", { timeout: 10_000 }, async (t) => {
  const peer = await serve(t, { connectionLimits: { headersTimeoutMs: 300 } });
  const openMs = await connection(peer.server.port);
  assert.ok(openMs >= 250 && openMs < 3000, `open ${openMs} ms`);
});

test("a connection that does not speak HTTP/2 is closed at once", { timeout: 10_000 }, async (t) => {
  const peer = await serve(t, { connectionLimits: { headersTimeoutMs: 5000 } });
  const openMs = await connection(peer.server.port, (s) => s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  assert.ok(openMs < 2000, `open ${openMs} ms`);
});

test("64 stalled uploads: the extra ones are refused busy, and FetchChunk still succeeds", { timeout: 30_000 }, async (t) => {
  const peer = await serve(t, { chunkFrameTimeoutMs: 20_000 });
  const ends: (grpc.ServiceError | null)[] = [];
  const calls = Array.from({ length: 64 }, () => stalledUpload(peer.contact.address, (err) => ends.push(err)));
  t.after(() => calls.forEach((c) => c.cancel()));
  const refused = await new Promise<number>((resolve) => {
    const check = setInterval(() => {
      if (ends.length >= 32) {
        clearInterval(check);
        resolve(ends.length);
      }
    }, 20);
  });
  assert.equal(refused, 32);
  assert.ok(ends.every((e) => e?.code === grpc.status.UNAVAILABLE && /busy/.test(e.details)), ends.map((e) => e?.details).join("; "));
  const { transport } = testTransport();
  t.after(() => transport.close());
  const bytes = await transport.fetchChunk(peer.contact, chunkHash, { timeoutMs: 5000 });
  assert.equal(createHash("sha256").update(bytes).digest("hex"), chunkHash);
});

test("an upload stream with no frame for the frame timeout is ended with DEADLINE_EXCEEDED", { timeout: 10_000 }, async (t) => {
  const peer = await serve(t, { chunkFrameTimeoutMs: 300 });
  const started = Date.now();
  const err = await new Promise<grpc.ServiceError | null>((resolve) => stalledUpload(peer.contact.address, resolve));
  assert.equal(err?.code, grpc.status.DEADLINE_EXCEEDED);
  assert.match(err!.details, /no frame for 300 ms/);
  assert.ok(Date.now() - started < 3000);
});
