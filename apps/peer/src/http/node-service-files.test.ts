// NodeService's file methods through an in-process Connect transport over a memory network.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { NodeService } from "@p2p/proto/node";
import { createTestnet, type Testnet } from "@p2p/dht";
import { fileServiceHandlers } from "./node-service-files.js";
import { connectErrorInterceptor } from "../edge-errors.js";

describe("NodeService file methods", () => {
  let net: Testnet;
  const clientOf = (i: number) => {
    const node = net.nodes[i]!;
    const handlers = fileServiceHandlers({ files: () => node.files });
    return createClient(NodeService, createRouterTransport(({ service }) => service(NodeService, handlers), { router: { interceptors: [connectErrorInterceptor] } }));
  };
  before(async () => {
    net = await createTestnet(6, { node: { files: { chunkSize: 4096 } } });
  });
  after(() => net.stop());

  test("UploadFile streams in, DownloadFile streams out (whole and a range), manifest and listing agree", async () => {
    const data = randomBytes(5 * 4096 + 7);
    async function* requests() {
      yield { name: "notes.txt", mediaType: "text/plain" };
      for (let o = 0; o < data.length; o += 3000) yield { data: data.subarray(o, o + 3000) };
    }
    const up = await clientOf(0).uploadFile(requests());
    assert.equal(up.manifest?.size, BigInt(data.length));
    assert.equal(up.manifest?.chunks.length, 6);

    const parts: Uint8Array[] = [];
    let manifestName = "";
    for await (const msg of clientOf(3).downloadFile({ id: up.id })) {
      if (msg.manifest) manifestName = msg.manifest.name;
      parts.push(msg.data);
    }
    assert.equal(manifestName, "notes.txt");
    assert.ok(Buffer.concat(parts).equals(data));

    const ranged: Uint8Array[] = [];
    for await (const msg of clientOf(4).downloadFile({ id: up.id, offset: 4000n, length: 5000n })) ranged.push(msg.data);
    assert.ok(Buffer.concat(ranged).equals(data.subarray(4000, 9000)));

    const m = await clientOf(5).getFileManifest({ id: up.id });
    assert.deepEqual(m.manifest?.chunks, up.manifest?.chunks);
    const locations = await clientOf(2).fileChunkLocations({ id: up.id });
    assert.equal(locations.chunks.length, 6);
    assert.ok(locations.chunks.every((c) => c.holders.length === 3));
    let listed = 0;
    for (let i = 0; i < 6; i++) if ((await clientOf(i).listFiles({})).files.some((f) => f.id === up.id)) listed++;
    assert.ok(listed >= 2 && listed <= 3, `manifest on ${listed} peers`);
  });

  test("bad input names the field", async () => {
    const c = clientOf(1);
    await assert.rejects(c.getFileManifest({ id: "nope" }), (e: ConnectError) => e.code === Code.InvalidArgument && /id: must be a file ID/.test(e.message));
    await assert.rejects(c.getFileManifest({ id: "1".repeat(64) }), (e: ConnectError) => e.code === Code.NotFound);
    async function* noName() {
      yield { data: new Uint8Array([1, 2, 3]) };
    }
    await assert.rejects(c.uploadFile(noName()), (e: ConnectError) => e.code === Code.InvalidArgument && /name/.test(e.message));
    async function* renamed() {
      yield { name: "a.bin" };
      yield { name: "b.bin", data: new Uint8Array([1]) };
    }
    await assert.rejects(c.uploadFile(renamed()), (e: ConnectError) => e.code === Code.InvalidArgument && /only the first message/.test(e.message));
    async function* empty() {}
    await assert.rejects(c.uploadFile(empty()), (e: ConnectError) => e.code === Code.InvalidArgument && /stream: empty/.test(e.message));
  });
});
