// Replication over real Kademlia routing and the in-memory transport (testing/testnet.ts):
// checks that the coordinator and the router agree on the Router contract end to end.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DhtError } from "../errors.js";
import { createTestnet, type Testnet } from "../testing/testnet.js";
import type { NodeId } from "../types.js";
import { byDistance, sha256Hex } from "./position.js";

describe("replication on a 30-node Kademlia testnet", () => {
  let net: Testnet;

  before(async () => {
    net = await createTestnet(30);
  });
  after(async () => {
    await Promise.all(net.nodes.map((n) => n.coordinator.idle()));
    await net?.stop();
  });

  const closest = (key: string, n: number) =>
    byDistance(net.nodes.map((x) => x.self), sha256Hex(key)).slice(0, n).map((c) => c.id).sort();

  async function holders(key: string): Promise<NodeId[]> {
    const out: NodeId[] = [];
    for (const n of net.nodes) if (await n.store.get(key)) out.push(n.self.id);
    return out.sort();
  }

  test("put on one node, get on another; R copies on the R closest; delete hides it", async () => {
    const key = "testnet/greeting";
    const writer = net.nodes[7]!.coordinator;
    const reader = net.nodes[23]!.coordinator;
    await writer.put(key, new TextEncoder().encode("hi"));
    await writer.idle();
    assert.deepEqual(await holders(key), closest(key, 3));
    const got = await reader.get(key);
    assert.equal(new TextDecoder().decode(got.record.value), "hi");
    await reader.delete(key);
    await assert.rejects(writer.get(key), (e: unknown) => e instanceof DhtError && e.code === "not_found");
  });

  test("a hung replica holder: put and get still succeed", async () => {
    const key = "testnet/hung";
    const [first] = closest(key, 1);
    net.network.hang(first!);
    try {
      const writer = net.nodes.find((n) => !closest(key, 3).includes(n.self.id))!.coordinator;
      const put = await writer.put(key, new TextEncoder().encode("v"));
      assert.ok(!put.acknowledgedBy.includes(first!));
      const got = await writer.get(key);
      assert.equal(new TextDecoder().decode(got.record.value), "v");
    } finally {
      net.network.recover(first!);
    }
  });
});
