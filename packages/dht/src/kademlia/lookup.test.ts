import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DhtError } from "../errors.js";
import { systemClock, type Contact, type NodeId } from "../types.js";
import { unimplementedTransport, type Transport } from "../rpc/peer-rpc.js";
import type { LookupEvent } from "./lookup-events.js";
import { iterativeLookup, type LookupConfig } from "./lookup.js";
import { sha256Hex, sortByDistance } from "./node-id.js";
import { createTestnet, testContact, type Testnet } from "../testing/testnet.js";

const config: LookupConfig = { alpha: 3, rpcTimeoutMs: 1000, maxRequests: 500, maxContactsPerReply: 20 };
const self: Contact = { id: sha256Hex("lookup-self"), address: "self", httpAddress: "" };
const fake = (seed: string): Contact => ({ id: sha256Hex(seed), address: seed, httpAddress: "" });

/** Wraps a transport, tracking findNode/findValue calls in flight at once. */
function counting(inner: Transport): Transport & { maxInFlight: number; calls: number } {
  let inFlight = 0;
  const t = {
    ...inner,
    maxInFlight: 0,
    calls: 0,
    findNode: (to: Contact, target: NodeId, opts: { timeoutMs: number; signal?: AbortSignal }) => track(inner.findNode(to, target, opts)),
    findValue: (to: Contact, key: string, opts: { timeoutMs: number; signal?: AbortSignal }) => track(inner.findValue(to, key, opts)),
  };
  function track<T>(p: Promise<T>): Promise<T> {
    t.calls++;
    t.maxInFlight = Math.max(t.maxInFlight, ++inFlight);
    return p.finally(() => inFlight--);
  }
  return t;
}

/** Fails the test instead of hanging if `p` does not settle within `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe("iterativeLookup over a 200-node memory network", () => {
  let net: Testnet;
  const all = () => net.nodes.map((n) => n.self);

  before(async () => {
    net = await createTestnet(200, { node: { kademlia: { rpcTimeoutMs: 1000 } } });
  });
  after(() => net?.stop());

  test("finds the true closest, with at most alpha requests in flight", async () => {
    for (let q = 0; q < 10; q++) {
      const origin = net.nodes[(q * 37) % 200]!.kademlia;
      const originTransport = net.transports[(q * 37) % 200]!;
      const target = sha256Hex(`target-${q}`);
      const transport = counting(originTransport);
      const events: LookupEvent[] = [];
      const result = await within(
        iterativeLookup(target, { wanted: 20 }, {
          self: origin.self,
          transport,
          clock: systemClock,
          seeds: origin.closestKnown(target, 20),
          listener: (e) => events.push(e),
        }, config),
        10_000,
      );
      const truth = sortByDistance(target, all().filter((c) => c.id !== origin.self.id)).slice(0, 20);
      assert.deepEqual(result.closest.map((c) => c.id), truth.map((c) => c.id), `query ${q}`);
      assert.ok(transport.maxInFlight <= 3, `max in flight ${transport.maxInFlight}`);
      assert.ok(transport.maxInFlight >= 2, "requests do run in parallel");
      assert.equal(result.steps.length, transport.calls);
      assert.ok(result.hops >= 1);
      assert.equal(events.at(-1)?.type, "lookup-finished");
      assert.equal(events.filter((e) => e.type === "query-sent").length, result.steps.length);
    }
  });

  test("a hung peer costs one slot until its deadline; the lookup carries on meanwhile", async () => {
    const origin = net.nodes[5]!.kademlia;
    const target = sha256Hex("hang-target");
    const truth = sortByDistance(target, all().filter((c) => c.id !== origin.self.id));
    const hung = truth.slice(0, 2);
    for (const h of hung) net.network.hang(h.id);
    try {
      const events: LookupEvent[] = [];
      const result = await within(
        iterativeLookup(target, { wanted: 10 }, {
          self: origin.self,
          transport: net.transports[5]!,
          clock: systemClock,
          seeds: origin.closestKnown(target, 20),
          listener: (e) => events.push(e),
        }, { ...config, rpcTimeoutMs: 300 }),
        10_000,
      );
      const hungIds = new Set(hung.map((h) => h.id));
      assert.deepEqual(result.closest.map((c) => c.id), truth.filter((c) => !hungIds.has(c.id)).slice(0, 10).map((c) => c.id));
      // Skipped, not forgotten: a quorum read counts them as possibly holding the key.
      assert.deepEqual(result.unanswered.map((c) => c.id), hung.map((h) => h.id), "the hung peers are reported as unanswered");
      const failedSteps = result.steps.filter((s) => hungIds.has(s.peer.id));
      assert.ok(failedSteps.length > 0, "the hung peers were queried");
      for (const s of failedSteps) assert.equal(s.error, "deadline_exceeded");
      // While the first hung request was outstanding, other peers kept answering.
      const firstHung = events.findIndex((e) => e.type === "query-sent" && hungIds.has(e.peer.id));
      const itsFailure = events.findIndex((e, i) => i > firstHung && e.type === "peer-failed" && e.peer.id === (events[firstHung] as { peer: Contact }).peer.id);
      const answeredMeanwhile = events.slice(firstHung, itsFailure).filter((e) => e.type === "peer-responded").length;
      assert.ok(answeredMeanwhile >= 3, `only ${answeredMeanwhile} answers while a peer hung`);
    } finally {
      for (const h of hung) net.network.recover(h.id);
    }
  });

  test("a converging lookup asks only the wanted closest; countSelf lets this node stand for one of them", async () => {
    // A target whose closest node is the origin itself, with complete seeds: nothing to discover.
    const origin = net.nodes[42]!.kademlia;
    const target = origin.self.id.slice(0, 60) + "0000";
    const others = all().filter((c) => c.id !== origin.self.id);
    const truth = sortByDistance(target, others);
    const run = async (countSelf: boolean) => {
      const transport = counting(net.transports[42]!);
      const result = await within(
        iterativeLookup(target, { wanted: 3, countSelf }, { self: origin.self, transport, clock: systemClock, seeds: truth.slice(0, 20) }, config),
        10_000,
      );
      return { result, calls: transport.calls };
    };
    const plain = await run(false);
    assert.equal(plain.calls, 3, "no requests beyond the 3 closest (none is cancelled)");
    assert.deepEqual(plain.result.closest.map((c) => c.id), truth.slice(0, 3).map((c) => c.id));
    const counted = await run(true);
    assert.equal(counted.calls, 2, "the origin is one of the 3 closest: 2 others suffice");
    assert.deepEqual(counted.result.closest.map((c) => c.id), truth.slice(0, 2).map((c) => c.id), "self is never reported");
  });

  test("FindValue collects the records of the wanted closest, not just the first", async () => {
    const key = "some-key";
    const target = sha256Hex(key);
    const origin = net.nodes[9]!.kademlia;
    const truth = sortByDistance(target, all().filter((c) => c.id !== origin.self.id)).slice(0, 5);
    const holders = new Set(truth.map((c) => c.id));
    const inner = net.transports[9]!;
    const transport: Transport = {
      ...inner,
      // Holders answer with a record, as a replica would.
      findValue: async (to, k, opts) => {
        const reply = await inner.findValue(to, k, opts);
        if (!holders.has(to.id)) return reply;
        return { ...reply, record: { key: k, value: new Uint8Array([1]), version: { wallMs: 1, logical: 0, writer: to.id }, tombstone: false } };
      },
    };
    const result = await within(
      iterativeLookup(target, { wanted: 5, key }, { self: origin.self, transport, clock: systemClock, seeds: origin.closestKnown(target, 5) }, config),
      10_000,
    );
    assert.deepEqual(result.closest.map((c) => c.id), truth.map((c) => c.id));
    for (const id of holders) assert.equal(result.records.get(id)?.version.writer, id);
    assert.ok([...result.records.values()].some((r) => r === null), "non-holders are recorded as null");
    assert.equal(result.steps.filter((s) => s.hadRecord).length, 5);
  });

});

describe("iterativeLookup against a hostile or odd network (fake transport)", () => {
  /** Every peer answers with fresh contacts, each closer to `target` than any before: without
   * a cap this never ends. */
  function endlessTransport(target = sha256Hex("t")): Transport & { calls: number } {
    let n = 0n;
    const far = (1n << 255n) - 1n;
    const closer = (): Contact => {
      const id = ((BigInt(`0x${target}`) ^ (far - n++)) & ((1n << 256n) - 1n)).toString(16).padStart(64, "0");
      return { id, address: `fresh-${n}`, httpAddress: "" };
    };
    const t = {
      ...unimplementedTransport(),
      calls: 0,
      ping: async () => {},
      findNode: async () => {
        t.calls++;
        return Array.from({ length: 25 }, closer);
      },
      findValue: async () => ({ contacts: [] }),
    };
    return t;
  }

  test("the request cap holds", async () => {
    const transport = endlessTransport();
    const events: LookupEvent[] = [];
    const result = await within(
      iterativeLookup(sha256Hex("t"), { wanted: 20 }, {
        self,
        transport,
        clock: systemClock,
        seeds: [fake("seed")],
        listener: (e) => events.push(e),
      }, { ...config, maxRequests: 40 }),
      10_000,
    );
    assert.equal(transport.calls, 40);
    assert.equal(result.steps.length, 40);
    const finished = events.at(-1);
    assert.equal(finished?.type, "lookup-finished");
    assert.equal(finished.type === "lookup-finished" && finished.reason, "request-cap");
  });

  test("no seeds: finishes at once, empty", async () => {
    const result = await iterativeLookup(sha256Hex("t"), { wanted: 3 }, { self, transport: endlessTransport(), clock: systemClock, seeds: [] }, config);
    assert.deepEqual(result.closest, []);
    assert.equal(result.steps.length, 0);
  });

  test("self and malformed contacts in replies are ignored; bad arguments are rejected", async () => {
    const transport: Transport = {
      ...endlessTransport(),
      findNode: async () => [self, { id: "bogus", address: "x", httpAddress: "" }, null as unknown as Contact],
    };
    const result = await iterativeLookup(sha256Hex("t"), { wanted: 3 }, { self, transport, clock: systemClock, seeds: [fake("a"), self] }, config);
    assert.deepEqual(result.closest.map((c) => c.address), ["a"]);
    await assert.rejects(iterativeLookup("nope", { wanted: 3 }, { self, transport, clock: systemClock, seeds: [] }, config), /target/);
    await assert.rejects(iterativeLookup(sha256Hex("t"), { wanted: 0 }, { self, transport, clock: systemClock, seeds: [] }, config), /wanted/);
  });

  test("suspect contacts are tried last; failures are reported", async () => {
    const seeds = ["s1", "s2", "s3", "s4"].map(fake);
    const target = sha256Hex("t");
    const sorted = sortByDistance(target, seeds);
    const suspect = new Set([sorted[0]!.id]);
    const order: string[] = [];
    const failed: string[] = [];
    const transport: Transport = {
      ...endlessTransport(),
      findNode: async (to) => {
        order.push(to.id);
        if (to.id === sorted[1]!.id) throw new DhtError("down", "unavailable");
        return [];
      },
    };
    const result = await iterativeLookup(target, { wanted: 4 }, {
      self,
      transport,
      clock: systemClock,
      seeds,
      isSuspect: (id) => suspect.has(id),
      onFailure: (peer) => failed.push(peer.id),
    }, { ...config, alpha: 1 });
    assert.equal(order.at(-1), sorted[0]!.id, "the suspect closest contact is queried last");
    assert.deepEqual(failed, [sorted[1]!.id]);
    assert.equal(result.steps.find((s) => s.peer.id === sorted[1]!.id)?.error, "unavailable");
    assert.deepEqual(result.closest.map((c) => c.id), [sorted[0]!.id, sorted[2]!.id, sorted[3]!.id]);
  });
});

test("testContact IDs are distinct", () => {
  assert.notEqual(testContact(1).id, testContact(2).id);
});
