// Replication over the real Kademlia nodes and in-memory transport (kademlia/testnet.ts):
// checks that the coordinator and the router agree on the Router contract end to end.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DhtError } from "../errors.js";
import { routingRpcHandler, testContact } from "../kademlia/testnet.js";
import type { Testnet } from "../kademlia/testnet.js";
import { KademliaNode } from "../kademlia/kademlia-node.js";
import { MemoryNetwork } from "../transport/memory.js";
import { MemoryRecordStore } from "../store/memory-store.js";
import type { NodeId, PeerRpcHandler } from "../types.js";
import { ReplicationCoordinator } from "./coordinator.js";
import { HybridLogicalClock } from "./hlc.js";
import { byDistance, sha256Hex } from "./position.js";
import { RecordHandlers } from "./record-handlers.js";

interface Peer {
  store: MemoryRecordStore;
  clock: HybridLogicalClock;
  handlers: RecordHandlers;
}

describe("replication on a 30-node Kademlia testnet", () => {
  const peers = new Map<NodeId, Peer>();
  const coordinators = new Map<NodeId, ReplicationCoordinator>();
  let net: Testnet;

  function peerFor(node: KademliaNode): Peer {
    let p = peers.get(node.self.id);
    if (!p) {
      const store = new MemoryRecordStore();
      const clock = new HybridLogicalClock({ self: node.self.id });
      p = { store, clock, handlers: new RecordHandlers({ router: node, store, clock }) };
      peers.set(node.self.id, p);
    }
    return p;
  }

  before(async () => {
    // Built by hand rather than with createTestnet, which keeps each node's transport private.
    const network = new MemoryNetwork();
    const nodes: KademliaNode[] = [];
    for (let i = 0; i < 30; i++) {
      const self = testContact(i);
      let handler: PeerRpcHandler | undefined;
      const transport = network.attach(self, {
        onPing: (from) => handler!.onPing(from),
        onFindNode: (from, target) => handler!.onFindNode(from, target),
        onFindValue: (from, key) => handler!.onFindValue(from, key),
        onStore: (from, record) => handler!.onStore(from, record),
      });
      const node = new KademliaNode({ self, transport }, { rpcTimeoutMs: 200, refreshIntervalMs: 600_000 });
      const routing = routingRpcHandler(node);
      const p = peerFor(node);
      handler = {
        ...routing,
        onFindValue: async (from, key) => {
          routing.onPing(from); // learn the sender, as every message does
          return p.handlers.handleFindValue(from, key);
        },
        onStore: async (from, record) => {
          routing.onPing(from);
          return p.handlers.handleStore(from, record);
        },
      };
      nodes.push(node);
      coordinators.set(self.id, new ReplicationCoordinator({ router: node, transport, store: p.store, clock: p.clock }, { rpcTimeoutMs: 200 }));
    }
    net = {
      network,
      nodes,
      async stop() {
        for (const node of nodes) await node.stop();
      },
    };
    for (let i = 1; i < nodes.length; i++) await nodes[i]!.bootstrap([nodes[0]!.self]);
  });
  after(async () => {
    await Promise.all([...coordinators.values()].map((c) => c.idle()));
    await net?.stop();
  });

  const closest = (key: string, n: number) =>
    byDistance(net.nodes.map((x) => x.self), sha256Hex(key)).slice(0, n).map((c) => c.id).sort();

  async function holders(key: string): Promise<NodeId[]> {
    const out: NodeId[] = [];
    for (const [id, p] of peers) if (await p.store.get(key)) out.push(id);
    return out.sort();
  }

  test("put on one node, get on another; R copies on the R closest; delete hides it", async () => {
    const key = "testnet/greeting";
    const writer = coordinators.get(net.nodes[7]!.self.id)!;
    const reader = coordinators.get(net.nodes[23]!.self.id)!;
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
      const writer = coordinators.get(net.nodes.find((n) => !closest(key, 3).includes(n.self.id))!.self.id)!;
      const put = await writer.put(key, new TextEncoder().encode("v"));
      assert.ok(!put.acknowledgedBy.includes(first!));
      const got = await writer.get(key);
      assert.equal(new TextDecoder().decode(got.record.value), "v");
    } finally {
      net.network.recover(first!);
    }
  });
});
