// A read whose replicas' replies are lost must not answer NOT_FOUND for an acknowledged write.
// Found by the WAN simulation: at 5% message loss about 1 get in 1,000 of a key written with no
// loss answered NOT_FOUND. The three replicas' calls hit their deadlines (a lost request or
// reply), the read went on to the next closest peers, which never held the key, and their two
// "not found" answers made a read quorum. A "not found" only means something from a peer that
// should hold the key: one of the R closest the read knows of, the silent ones included.
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { isDhtError } from "../testing/assertions.js";
import { createTestnet } from "../testing/testnet.js";
import { buildConvergedNetwork } from "../simulation/converged-network.js";
import { byDistance, sha256Hex } from "./position.js";
import type { DhtNode } from "../node/dht-node.js";
import type { MessageLeg } from "../transport/memory.js";
import type { Contact, NodeId } from "../types.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Decides which messages the network loses; `lose` changes during a test. */
interface LossRule {
  lose: (from: Contact, to: Contact, leg: MessageLeg) => boolean;
}

/** Deadlines of 50 ms: a lost message costs little in a network that answers in a microtask. */
const SHORT = { kademlia: { rpcTimeoutMs: 50 }, replication: { rpcTimeoutMs: 50 } };

/** The nodes of a test network and what the tests ask of it. */
interface Net {
  nodes: DhtNode[];
  /** The R nodes closest to the key (the ground truth), closest first. */
  closest(key: string, r: number): Contact[];
  stop(): Promise<void>;
}

/**
 * `n` nodes on a network that loses what `rule` says (the rest is delivered at once): a joined
 * testnet, or for `converged` a network built with converged routing tables (no joins, so 40
 * nodes cost no more than 8), whose tables hold more than K contacts: reads then look up.
 */
async function lossyNetwork(n: number, rule: LossRule, converged = false): Promise<Net> {
  const network = { messageFate: (from: Contact, to: Contact, leg: MessageLeg) => (rule.lose(from, to, leg) ? null : 0) };
  if (!converged) return createTestnet(n, { network, node: SHORT });
  const built = buildConvergedNetwork({ nodes: n, network, ...SHORT });
  return {
    nodes: built.nodes,
    closest: (key, r) => byDistance(built.nodes.map((x) => x.self), sha256Hex(key)).slice(0, r),
    stop: () => built.stop(),
  };
}

/** IDs of the nodes holding the key, sorted. */
async function holders(net: Net, key: string): Promise<NodeId[]> {
  const out: NodeId[] = [];
  for (const node of net.nodes) if (await node.store.get(key)) out.push(node.self.id);
  return out.sort();
}

/** A key whose `r` closest do not include `avoid` (the reader must not be its own replica). */
function keyAvoiding(net: Net, prefix: string, avoid: NodeId, r = 5): string {
  for (let i = 0; ; i++) if (!net.closest(`${prefix}/${i}`, r).some((c) => c.id === avoid)) return `${prefix}/${i}`;
}

// Two ways a read finds its replicas: straight from a routing table that is the whole network
// (8 nodes, fewer than K), or by a FindValue lookup (40 nodes; on 8, a traced get looks up too).
const paths: { name: string; nodes: number; converged: boolean; trace: boolean }[] = [
  { name: "routing table is the whole network (8 nodes)", nodes: 8, converged: false, trace: false },
  { name: "FindValue lookup (8 nodes, traced get)", nodes: 8, converged: false, trace: true },
  { name: "FindValue lookup (40 nodes, tables beyond K)", nodes: 40, converged: true, trace: false },
];

describe("a read whose replicas' replies are lost", () => {
  let net: Net | undefined;
  afterEach(async () => {
    await net?.stop();
    net = undefined;
  });

  for (const path of paths) {
    describe(path.name, () => {
      /** A network holding one acknowledged key, written with no loss, and a reader outside its 5 closest. */
      async function setUp(rule: LossRule): Promise<{ key: string; reader: DhtNode; replicas: Set<NodeId> }> {
        net = await lossyNetwork(path.nodes, rule, path.converged);
        const reader = net.nodes[path.nodes - 1]!;
        const key = keyAvoiding(net, "lost", reader.self.id);
        await net.nodes[0]!.coordinator.put(key, enc("acknowledged"));
        await Promise.all(net.nodes.map((x) => x.coordinator.idle()));
        const replicas = new Set(net.closest(key, 3).map((c) => c.id));
        assert.deepEqual(await holders(net, key), [...replicas].sort(), "the R closest hold the key");
        if (path.converged) assert.ok(reader.kademlia.routingTable.size >= reader.kademlia.k, "a table of K or more: reads look up");
        return { key, reader, replicas };
      }

      test("every reply of the R closest to the reader is lost: UNAVAILABLE, never NOT_FOUND", async () => {
        const rule: LossRule = { lose: () => false };
        const { key, reader, replicas } = await setUp(rule);
        rule.lose = (from, to, leg) => leg === "reply" && replicas.has(from.id) && to.id === reader.self.id;
        await assert.rejects(reader.coordinator.get(key, { trace: path.trace }), isDhtError("unavailable", /read quorum not reached/));
      });

      test("each of the R closest loses its first reply to the reader: the read asks again and finds the value", async () => {
        const rule: LossRule = { lose: () => false };
        const { key, reader, replicas } = await setUp(rule);
        const lostOnce = new Set<NodeId>();
        rule.lose = (from, to, leg) => {
          if (leg !== "reply" || !replicas.has(from.id) || to.id !== reader.self.id || lostOnce.has(from.id)) return false;
          lostOnce.add(from.id);
          return true;
        };
        const got = await reader.coordinator.get(key, { trace: path.trace });
        assert.equal(dec(got.record.value), "acknowledged");
      });

      test("a key nobody wrote, its R closest answering while farther peers' replies are lost: NOT_FOUND", async () => {
        const rule: LossRule = { lose: () => false };
        const { reader } = await setUp(rule);
        const missing = keyAvoiding(net!, "missing", reader.self.id);
        const near = new Set(net!.closest(missing, 3).map((c) => c.id));
        rule.lose = (from, to, leg) => leg === "reply" && !near.has(from.id) && to.id === reader.self.id;
        await assert.rejects(reader.coordinator.get(missing, { trace: path.trace }), isDhtError("not_found"));
      });
    });
  }

  test("two of the R closest dead: the key is still read from the third; a missing key reads UNAVAILABLE until the routing tables drop the dead", async () => {
    const testnet = await createTestnet(8, { network: { messageFate: () => 0 }, node: SHORT });
    net = testnet;
    const reader = testnet.nodes[7]!;
    const key = keyAvoiding(testnet, "churn", reader.self.id);
    await testnet.nodes[0]!.coordinator.put(key, enc("survives"));
    await Promise.all(testnet.nodes.map((x) => x.coordinator.idle()));
    // A missing key that shares its two closest with `key`, so that the same deaths hit both.
    const [a, b] = testnet.closest(key, 2).map((c) => c.id);
    let missing = "";
    for (let i = 0; !missing; i++) {
      const near = testnet.closest(`churn-missing/${i}`, 3).map((c) => c.id);
      if (near.includes(a!) && near.includes(b!) && !near.includes(reader.self.id)) missing = `churn-missing/${i}`;
    }
    testnet.fail(a!);
    testnet.fail(b!);

    assert.equal(dec((await reader.coordinator.get(key)).record.value), "survives", "a found value is returned");
    await assert.rejects(reader.coordinator.get(missing), isDhtError("unavailable"), "one of the R closest answering is not a quorum");

    // Those reads failed three calls to each (maxFailures): the reader's table has dropped
    // them, the next closest it knows are the replicas, and its own view answers again.
    for (const dead of [a!, b!]) assert.equal(reader.kademlia.routingTable.get(dead), undefined, "evicted by the reader's failed calls");
    await assert.rejects(reader.coordinator.get(missing), isDhtError("not_found"));
    // A lookup still hears of them from peers that have not called them since: until those
    // drop them too (their own calls fail, or ping-before-evict), the dead count as replicas.
    await assert.rejects(reader.coordinator.get(missing, { trace: true }), isDhtError("unavailable"));
    for (const node of testnet.live()) for (const dead of [a!, b!]) node.kademlia.routingTable.remove(dead);
    await assert.rejects(reader.coordinator.get(missing, { trace: true }), isDhtError("not_found"));
    await testnet.settle(5, async () => (await testnet.holders(key)).length === 3);
    assert.equal(dec((await reader.coordinator.get(key)).record.value), "survives");
    assert.equal(dec((await reader.coordinator.get(key, { trace: true })).record.value), "survives");
  });
});
