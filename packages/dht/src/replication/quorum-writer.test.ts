import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { DhtError } from "../errors.js";
import type { Contact } from "../types.js";
import { createTestnet } from "../testing/testnet.js";
import { describeFailures, startQuorumWrite, writeAndSettle, type QuorumWriteOptions } from "./quorum-writer.js";
import { SpareCandidates } from "./replica-candidates.js";

const peer = (n: number): Contact => ({ id: String(n).repeat(64).slice(0, 64), address: `127.0.0.1:${n}`, httpAddress: "" });

/** The placement of a chunk: R = 3, W = 2, the 2R closest looked up only when needed. */
function placement(first: Contact[], write: (p: Contact) => Promise<void>, more?: () => Promise<readonly Contact[]>): QuorumWriteOptions {
  return {
    candidates: new SpareCandidates(first, more),
    replicas: 3,
    quorum: 2,
    write,
    shortfall: (stored, failures) => DhtError.unavailable(`chunk 7: stored on ${stored} of the 2 peers required (${describeFailures(failures) || "no candidates"})`),
  };
}

describe("the quorum writer with spare candidates", () => {
  test("the spares are not looked up while the R closest all take the write", async () => {
    let asked = 0;
    const res = await writeAndSettle(
      placement([peer(1), peer(2), peer(3)], async () => {}, async () => {
        asked++;
        return [peer(4)];
      }),
    );
    assert.equal(asked, 0);
    assert.deepEqual(res.stored.map((p) => p.address).sort(), ["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"]);
  });

  test("a refusal asks for the spares once and places the copy on the next closest not yet tried", async () => {
    let asked = 0;
    const full = DhtError.resourceExhausted("full");
    const res = await writeAndSettle(
      placement(
        [peer(1), peer(2), peer(3)],
        async (p) => {
          if (p.address.endsWith(":2") || p.address.endsWith(":3")) throw full;
        },
        async () => {
          asked++;
          return [peer(1), peer(2), peer(3), peer(4), peer(5)];
        },
      ),
    );
    assert.equal(asked, 1);
    assert.deepEqual(res.stored.map((p) => p.address).sort(), ["127.0.0.1:1", "127.0.0.1:4", "127.0.0.1:5"]);
    assert.equal(res.failed.length, 2);
  });

  test("fewer than W copies with no spares left is UNAVAILABLE naming the failures", async () => {
    await assert.rejects(
      writeAndSettle(
        placement([peer(1), peer(2)], async (p) => {
          if (p.address.endsWith(":2")) throw DhtError.unavailable("down");
        }, async () => []),
      ),
      (e: DhtError) => e.code === "unavailable" && /chunk 7: stored on 1 of the 2/.test(e.message) && /22222222: down/.test(e.message),
    );
  });

  test("the quorum is reported as soon as W copies are stored, while a slow writer still runs", async () => {
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const write = startQuorumWrite(placement([peer(1), peer(2), peer(3)], (p) => (p.address.endsWith(":3") ? slow : Promise.resolve())));
    const acked = await write.reached;
    assert.deepEqual(acked.map((p) => p.address).sort(), ["127.0.0.1:1", "127.0.0.1:2"]);
    release();
    assert.equal((await write.settled).stored.length, 3);
  });

  test("the quorum is reported out of reach as soon as the writers left cannot make it", async () => {
    let release!: () => void;
    const hung = new Promise<void>((resolve) => (release = resolve));
    const write = startQuorumWrite(
      placement([peer(1), peer(2), peer(3)], async (p) => {
        if (p.address.endsWith(":3")) return hung;
        throw DhtError.unavailable("down");
      }),
    );
    await assert.rejects(write.reached, /stored on 0 of the 2/);
    release();
    assert.equal((await write.settled).stored.length, 1);
  });
});

describe("replica candidates on a small network", () => {
  test("while the routing table is the whole network, uploads and downloads send no FindNode", async (t) => {
    const net = await createTestnet(6, { node: { files: { chunkSize: 4096 } } });
    t.after(() => net.stop());
    for (const node of net.nodes) await node.kademlia.confirmView();
    const data = randomBytes(10 * 4096);
    const before = net.network.sent.findNode;
    const source = async function* () {
      yield data;
    };
    const { manifest } = await net.nodes[1]!.files.upload(source(), { name: "s.bin" });
    const parts: Uint8Array[] = [];
    for await (const p of net.nodes[4]!.files.read(manifest)) parts.push(p);
    assert.ok(Buffer.concat(parts).equals(data));
    assert.equal(net.network.sent.findNode - before, 0);
  });
});
