import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DhtError } from "../errors.js";
import type { Contact } from "../types.js";
import { randomBytes } from "node:crypto";
import { createFileTestnet } from "./file-testnet.js";
import { placeReplicas } from "./replica-placement.js";

const peer = (n: number): Contact => ({ id: String(n).repeat(64).slice(0, 64), address: `127.0.0.1:${n}`, httpAddress: "" });

describe("placeReplicas with spare candidates", () => {
  test("the spares are not looked up while the R closest all take the write", async () => {
    let asked = 0;
    const res = await placeReplicas([peer(1), peer(2), peer(3)], 3, 2, async () => {}, "x", async () => {
      asked++;
      return [peer(4)];
    });
    assert.equal(asked, 0);
    assert.deepEqual(res.stored.map((p) => p.address).sort(), ["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"]);
  });

  test("a refusal asks for the spares once and places the copy on the next closest not yet tried", async () => {
    let asked = 0;
    const full = new DhtError("full", "resource_exhausted");
    const res = await placeReplicas(
      [peer(1), peer(2), peer(3)],
      3,
      2,
      async (p) => {
        if (p.address.endsWith(":2") || p.address.endsWith(":3")) throw full;
      },
      "x",
      async () => {
        asked++;
        return [peer(1), peer(2), peer(3), peer(4), peer(5)];
      },
    );
    assert.equal(asked, 1);
    assert.deepEqual(res.stored.map((p) => p.address).sort(), ["127.0.0.1:1", "127.0.0.1:4", "127.0.0.1:5"]);
    assert.equal(res.failed.length, 2);
  });

  test("fewer than W copies with no spares left is UNAVAILABLE naming the failures", async () => {
    await assert.rejects(
      placeReplicas([peer(1), peer(2)], 3, 2, async (p) => {
        if (p.address.endsWith(":2")) throw new DhtError("down", "unavailable");
      }, "chunk 7", async () => []),
      (e: DhtError) => e.code === "unavailable" && /chunk 7: stored on 1 of the 2/.test(e.message),
    );
  });
});

describe("replica candidates on a small network", () => {
  test("while the routing table is the whole network, uploads and downloads send no FindNode", async (t) => {
    const net = await createFileTestnet(6, { files: { chunkSize: 4096 } });
    t.after(() => net.stop());
    const data = randomBytes(10 * 4096);
    const before = net.network.sent.findNode;
    const source = async function* () {
      yield data;
    };
    const { manifest } = await net.peers[1]!.files.upload(source(), { name: "s.bin" });
    const parts: Uint8Array[] = [];
    for await (const p of net.peers[4]!.files.read(manifest)) parts.push(p);
    assert.ok(Buffer.concat(parts).equals(data));
    assert.equal(net.network.sent.findNode - before, 0);
  });
});
