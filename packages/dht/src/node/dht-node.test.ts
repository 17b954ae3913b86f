import { test } from "node:test";
import assert from "node:assert/strict";
import { createTestnet } from "../testing/testnet.js";

test("a reload of the peer-call deadline reaches lookups and pings, not only replication", async (t) => {
  const net = await createTestnet(2);
  t.after(() => net.stop());
  const node = net.nodes[0]!;
  assert.equal(node.kademlia.callTimeoutMs, 200);
  node.updateOptions({ replication: { rpcTimeoutMs: 350 } });
  assert.equal(node.coordinator.options.rpcTimeoutMs, 350);
  assert.equal(node.kademlia.callTimeoutMs, 350);
  // All-or-nothing: a bad value changes neither.
  assert.throws(() => node.updateOptions({ replication: { rpcTimeoutMs: -1 } }), /rpcTimeoutMs/);
  assert.equal(node.kademlia.callTimeoutMs, 350);
});
