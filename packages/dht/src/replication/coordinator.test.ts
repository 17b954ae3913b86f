import { after, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DhtError } from "../errors.js";
import { isDhtError } from "../testing/assertions.js";
import { MemoryRecordStore } from "../store/memory-store.js";
import type { CallOptions, Contact, DhtRecord, FindValueResult, LookupOptions, LookupResult, NodeId, Router, StoreResult } from "../types.js";
import { interceptTransport } from "../rpc/interceptor.js";
import { deadlineInterceptor } from "../rpc/deadline.js";
import { unimplementedTransport, type Transport } from "../rpc/peer-rpc.js";
import { HybridLogicalClock } from "../records/hlc.js";
import { LocalRecords } from "../records/local-records.js";
import { plainRecords } from "../records/plain-records.js";
import { RecordTypeRegistry } from "../records/record-registry.js";
import { validateKey } from "../records/record-validation.js";
import { IndexedRecordStore } from "../store/indexed-store.js";
import { ReplicationCoordinator } from "./coordinator.js";
import type { ReplicationOptions } from "./options.js";
import { byDistance, sha256Hex } from "./position.js";

/**
 * How a fake peer misbehaves. down: answers nothing (and lookups skip it); storeFails: Store
 * is refused; storeHangs: Store never answers until its deadline (or the network closes);
 * blackhole: Store never answers at all, ignoring the deadline (the deadline interceptor must
 * enforce it, as it does in every node).
 */
type Fault = "down" | "storeFails" | "storeHangs" | "blackhole";

interface FakeNode {
  contact: Contact;
  store: MemoryRecordStore;
  clock: HybridLogicalClock;
  /** The node's records through their types (plain values only here). */
  records: LocalRecords;
  router: FakeRouter;
  coordinator: ReplicationCoordinator;
}

/** What a node answers to FindValue: its copy and the contacts it knows closest, never the requester. */
async function serveFindValue(node: FakeNode, from: Contact, key: string): Promise<FindValueResult> {
  validateKey(key);
  const record = await node.records.read(key);
  const contacts = node.router.closestKnown(sha256Hex(key), 21).filter((c) => c.id !== from.id).slice(0, 20);
  return record ? { record, contacts } : { contacts };
}

/** What a node answers to Store: the record checked by its type and its version observed, then kept. */
function serveStore(node: FakeNode, _from: Contact, record: DhtRecord): Promise<StoreResult> {
  return node.records.accept(record);
}

/** A map of node id → fake node, with injectable faults; every pending call ends on close(). */
class FakeNetwork {
  readonly nodes = new Map<NodeId, FakeNode>();
  readonly faults = new Map<NodeId, Fault>();
  /** Store calls currently hanging, so a test can see that a put did not wait for them. */
  readonly hanging = new Set<() => void>();
  /** Every FindValue sent through a transport, by target, in order. */
  readonly findValues: NodeId[] = [];

  constructor(size: number, options: Partial<ReplicationOptions> = {}) {
    for (let i = 0; i < size; i++) {
      const id = sha256Hex(`node-${i}`);
      const contact: Contact = { id, address: `mem:${i}`, httpAddress: "" };
      const store = new MemoryRecordStore();
      const clock = new HybridLogicalClock({ self: id });
      const router = new FakeRouter(this, contact);
      const indexed = new IndexedRecordStore(store);
      let coordinator: ReplicationCoordinator | undefined;
      const records = new LocalRecords(indexed, new RecordTypeRegistry([plainRecords(indexed, () => coordinator!.options.maxValueBytes)]), clock);
      // The deadline interceptor every node has: a transport that ignores its deadline cannot hang a quorum.
      const transport = interceptTransport(fakeTransport(this, contact), [deadlineInterceptor]);
      coordinator = new ReplicationCoordinator({ router, transport, records, clock }, options);
      this.nodes.set(id, { contact, store, clock, records, router, coordinator });
    }
  }

  /** Node ids closest to `key`'s position, over the whole network (the ground truth). */
  closestTo(key: string, n: number): NodeId[] {
    return byDistance([...this.nodes.values()].map((x) => x.contact), sha256Hex(key))
      .slice(0, n)
      .map((c) => c.id);
  }

  /** A node that is not among the `n` closest to `key`, so that every replica is remote. */
  outsider(key: string, n: number): FakeNode {
    return this.node(this.closestTo(key, this.nodes.size)[n]!);
  }

  node(id: NodeId): FakeNode {
    return this.nodes.get(id)!;
  }

  async holders(key: string): Promise<NodeId[]> {
    const out: NodeId[] = [];
    for (const [id, n] of this.nodes) if (await n.store.get(key)) out.push(id);
    return out.sort();
  }

  async close(): Promise<void> {
    for (const end of [...this.hanging]) end();
    await Promise.all([...this.nodes.values()].map((n) => n.coordinator.idle()));
  }
}

function fakeTransport(net: FakeNetwork, self: Contact): Transport {
  const reachable = (to: Contact): FakeNode => {
    if (net.faults.get(to.id) === "down") throw new DhtError("connection refused", "unavailable");
    return net.node(to.id);
  };
  /** Never resolves; rejects at the deadline (if given) or when the network closes. */
  const hang = (timeoutMs: number | undefined): Promise<never> =>
    new Promise<never>((_, reject) => {
      const end = () => {
        clearTimeout(timer);
        net.hanging.delete(end);
        reject(new DhtError("deadline exceeded", "deadline_exceeded"));
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(end, timeoutMs);
      net.hanging.add(end);
    });
  return {
    ...unimplementedTransport(),
    async ping(to) {
      reachable(to);
    },
    async findNode(to, target) {
      return reachable(to).router.closestKnown(target, 20);
    },
    async findValue(to, key) {
      net.findValues.push(to.id);
      return serveFindValue(reachable(to), self, key);
    },
    async store(to, record: DhtRecord, opts: CallOptions) {
      const node = reachable(to);
      const fault = net.faults.get(to.id);
      if (fault === "storeFails") throw new DhtError("store refused", "unavailable");
      if (fault === "storeHangs" || fault === "blackhole") await hang(fault === "storeHangs" ? opts.timeoutMs : undefined);
      return serveStore(node, self, record);
    },
  };
}

/** A Router whose lookup returns the true closest live contacts and, for FindValue, their records. */
class FakeRouter implements Router {
  readonly failures: NodeId[] = [];
  readonly successes: NodeId[] = [];
  lookups = 0;

  constructor(
    private readonly net: FakeNetwork,
    readonly self: Contact,
  ) {}

  async lookup(target: NodeId, opts: LookupOptions): Promise<LookupResult> {
    this.lookups++;
    const known = this.closestKnown(target, 20);
    const closest = known.filter((c) => this.net.faults.get(c.id) !== "down");
    const last = closest.at(-1)?.id;
    const unanswered = known.slice(0, last === undefined ? known.length : known.findIndex((c) => c.id === last)).filter((c) => this.net.faults.get(c.id) === "down");
    const records = new Map<NodeId, DhtRecord | null>();
    if (opts.key !== undefined) {
      for (const c of closest) {
        const res = await serveFindValue(this.net.node(c.id), this.self, opts.key);
        records.set(c.id, res.record ?? null);
      }
    }
    return { target, closest, unanswered, records, steps: [], totalMs: 1, hops: 1 };
  }

  closestKnown(target: NodeId, n: number): Contact[] {
    const others = [...this.net.nodes.values()].map((x) => x.contact).filter((c) => c.id !== this.self.id);
    return byDistance(others, target).slice(0, n);
  }

  /** Ten nodes: the table is always the whole network (fewer than K = 20). */
  wholeNetworkNear(target: NodeId, n: number): Contact[] {
    return this.closestKnown(target, n);
  }

  reportFailure(contact: Contact): void {
    this.failures.push(contact.id);
  }

  reportSuccess(contact: Contact): void {
    this.successes.push(contact.id);
  }
}

const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);
const sorted = (ids: NodeId[]) => [...ids].sort();


describe("ReplicationCoordinator over a fake network of 10 nodes", () => {
  let net: FakeNetwork;
  const networks: FakeNetwork[] = [];
  const make = (options: Partial<ReplicationOptions> = {}) => {
    net = new FakeNetwork(10, options);
    networks.push(net);
    return net;
  };
  beforeEach(() => make());
  after(async () => {
    await Promise.all(networks.map((n) => n.close()));
  });

  test("put then get returns the value; the record lands on exactly the R closest", async () => {
    const key = "greeting";
    const writer = net.outsider(key, 3);
    const put = await writer.coordinator.put(key, text("hello"));
    assert.equal(put.position, sha256Hex(key));
    assert.deepEqual(sorted(put.replicas.map((c) => c.id)), sorted(net.closestTo(key, 3)));
    assert.ok(put.acknowledgedBy.length >= 2);
    await writer.coordinator.idle();
    assert.deepEqual(await net.holders(key), sorted(net.closestTo(key, 3)));

    const reader = net.node(net.closestTo(key, 10)[9]!);
    const got = await reader.coordinator.get(key, { trace: true, allReplicas: true });
    assert.equal(decode(got.record.value), "hello");
    assert.deepEqual(got.record.version, put.version);
    assert.equal(got.replicas.length, 3);
    assert.ok(got.replicas.every((r) => r.answered && !r.repaired));
    assert.deepEqual(got.trace, { steps: [], hops: 1, totalMs: 1 });
  });

  test("the coordinator writes itself through its store when it is a replica", async () => {
    const key = "self-is-replica";
    const writer = net.node(net.closestTo(key, 1)[0]!);
    const put = await writer.coordinator.put(key, text("x"));
    assert.ok(put.replicas.some((c) => c.id === writer.contact.id));
    await writer.coordinator.idle();
    assert.deepEqual(await net.holders(key), sorted(net.closestTo(key, 3)));
  });

  test("one failing replica: W acks suffice and the next closest takes its copy", async () => {
    const key = "one-down";
    const [a, b, c, fourth] = net.closestTo(key, 4);
    net.faults.set(b!, "storeFails");
    const writer = net.outsider(key, 4);
    const put = await writer.coordinator.put(key, text("v"));
    assert.ok(put.acknowledgedBy.length >= 2);
    assert.ok(!put.acknowledgedBy.includes(b!));
    await writer.coordinator.idle();
    assert.deepEqual(await net.holders(key), sorted([a!, c!, fourth!]), "R copies still exist");
    assert.ok(writer.router.failures.includes(b!), "the failure is reported to the router");
    assert.ok(writer.router.successes.includes(a!));
  });

  test("a hung replica: the put resolves with W acks while the hung store is still pending", async () => {
    make({ rpcTimeoutMs: 60_000 });
    const key = "one-hung";
    const [a, b, c] = net.closestTo(key, 3);
    net.faults.set(c!, "storeHangs");
    const writer = net.outsider(key, 3);
    const put = await writer.coordinator.put(key, text("v"));
    assert.deepEqual(sorted(put.acknowledgedBy), sorted([a!, b!]));
    assert.equal(net.hanging.size, 1, "resolved without waiting for the hung replica");
    await net.close(); // ends the hung call; the fallback then writes the 4th closest
  });

  test("a replica that ignores its deadline is cut off by the deadline interceptor", async () => {
    make({ rpcTimeoutMs: 20 });
    const key = "blackhole";
    const [a, b, c, fourth] = net.closestTo(key, 4);
    net.faults.set(a!, "blackhole");
    const writer = net.outsider(key, 4);
    await writer.coordinator.put(key, text("v"));
    await writer.coordinator.idle();
    assert.deepEqual(await net.holders(key), sorted([b!, c!, fourth!]));
    assert.ok(writer.router.failures.includes(a!));
    for (const end of [...net.hanging]) end();
  });

  test("fewer than W acknowledgements → UNAVAILABLE naming how many acked", async () => {
    const key = "quorum-lost";
    const writer = net.outsider(key, 3);
    for (const id of net.nodes.keys()) if (id !== writer.contact.id) net.faults.set(id, "storeFails");
    await assert.rejects(
      writer.coordinator.put(key, text("v")),
      isDhtError("unavailable", /^write quorum not reached: 1 of 2 required replicas acknowledged \(/),
    );
    // The one ack is the coordinator itself, taken as the next closest fallback.
    assert.deepEqual(await net.holders(key), [writer.contact.id]);
    // With only self left (self is a replica) it acks once: still short of W = 2.
    const selfReplica = net.node(net.closestTo(key, 1)[0]!);
    net.faults.clear();
    for (const id of net.nodes.keys()) if (id !== selfReplica.contact.id) net.faults.set(id, "storeFails");
    await assert.rejects(selfReplica.coordinator.put(key, text("v")), isDhtError("unavailable", /: 1 of 2 /));
    assert.equal(selfReplica.coordinator.stats().put.errors, 1);
  });

  test("fewer than Rq answers → UNAVAILABLE", async () => {
    const key = "read-quorum";
    const reader = net.outsider(key, 3);
    for (const id of net.nodes.keys()) if (id !== reader.contact.id) net.faults.set(id, "down");
    await assert.rejects(reader.coordinator.get(key), isDhtError("unavailable", /^read quorum not reached: 0 of 2 required replicas answered \(3 of the 3 closest known did not; 1 farther peer\(s\) did, which cannot say "not found"\)$/));
  });

  test("in a network smaller than K, a put goes straight to the R closest and a get asks only a read quorum", async () => {
    const key = "fast-path";
    const [a, b, c, d] = net.closestTo(key, 4);
    const writer = net.outsider(key, 4);
    const put = await writer.coordinator.put(key, text("v"));
    await writer.coordinator.idle();
    assert.equal(writer.router.lookups, 0, "the routing table is the whole network: no lookup");
    assert.deepEqual(sorted(put.replicas.map((r) => r.id)), sorted([a!, b!, c!]));
    assert.deepEqual(await net.holders(key), sorted([a!, b!, c!]));

    net.findValues.length = 0;
    const got = await writer.coordinator.get(key);
    assert.equal(decode(got.record.value), "v");
    assert.deepEqual(net.findValues, [a!, b!], "Rq = 2 of the R = 3 replicas, the closest first");
    assert.equal(writer.router.lookups, 0);

    // A down replica is replaced by the next of the set, then by the first spare.
    net.faults.set(a!, "down");
    net.findValues.length = 0;
    const degraded = await writer.coordinator.get(key);
    assert.deepEqual(net.findValues, [a!, b!, c!]);
    assert.deepEqual(degraded.replicas.map((r) => [r.peer.id, r.answered]), [[a!, false], [b!, true], [c!, true]]);
    net.faults.set(b!, "down");
    net.findValues.length = 0;
    const spare = await writer.coordinator.get(key);
    // The set is now c, d and the writer itself (the 5th closest): its own answer counts.
    assert.deepEqual(net.findValues, [a!, b!, c!]);
    assert.equal(decode(spare.record.value), "v");
    const self = spare.replicas.find((r) => r.peer.id === writer.contact.id);
    assert.equal(self?.repaired, true, "the writer, a fallback holder without the key, repairs itself");
    assert.equal(spare.replicas.some((r) => r.peer.id === d), false, "d was not needed");

    // This node as a replica answers for itself: one remote read.
    net.faults.clear();
    const replica = net.node(c!);
    net.findValues.length = 0;
    await replica.coordinator.get(key);
    assert.deepEqual(net.findValues, [a!]);
  });

  test("get returns the newest of diverging replicas and repairs the stale ones", async () => {
    const key = "diverged";
    const writer = net.outsider(key, 3);
    const put = await writer.coordinator.put(key, text("old"));
    await writer.coordinator.idle();
    const [a, b, c] = net.closestTo(key, 3);
    const ahead = net.node(b!);
    const newer: DhtRecord = {
      key,
      value: text("new"),
      version: { wallMs: put.version.wallMs + 1000, logical: 0, writer: ahead.contact.id },
      tombstone: false,
    };
    await ahead.store.merge(newer);

    // A plain get is a quorum read: the Rq = 2 closest, a (stale) and b (newer).
    const got = await writer.coordinator.get(key);
    assert.equal(decode(got.record.value), "new");
    assert.deepEqual(got.replicas.map((r) => r.peer.id), [a!, b!]);
    const report = new Map(got.replicas.map((r) => [r.peer.id, r]));
    assert.equal(report.get(b!)?.repaired, false);
    assert.deepEqual(report.get(a!)?.version, put.version);
    assert.equal(report.get(a!)?.repaired, true);
    await writer.coordinator.idle();
    assert.deepEqual((await net.node(c!).store.get(key))?.version, put.version, "c was not consulted");
    // A read of all replicas asks c too, and repairs it.
    const full = await writer.coordinator.get(key, { allReplicas: true });
    assert.deepEqual(sorted(full.replicas.map((r) => r.peer.id)), sorted([a!, b!, c!]));
    assert.equal(new Map(full.replicas.map((r) => [r.peer.id, r])).get(c!)?.repaired, true);
    await writer.coordinator.idle();
    for (const id of [a!, b!, c!]) assert.equal(decode((await net.node(id).store.get(key))!.value), "new");
    // Our clock observed the newer version: the next write beats it.
    const next = await writer.coordinator.put(key, text("newest"));
    assert.ok(next.version.wallMs >= newer.version.wallMs);
  });

  test("a lookup responder outside the replica set cannot answer a read or have its copy repaired onto the replicas", async () => {
    const key = "outside";
    const writer = net.outsider(key, 5);
    await writer.coordinator.put(key, text("true"));
    await writer.coordinator.idle();
    // The 4th closest is no replica; its (forged, or stale from another era) copy is newer.
    const outside = net.node(net.closestTo(key, 4)[3]!);
    const forged: DhtRecord = { key, value: text("forged"), version: { wallMs: Date.now() + 500, logical: 0, writer: outside.contact.id }, tombstone: false };
    await outside.store.merge(forged);
    // trace: the read runs a FindValue lookup, which the outsider answers.
    const got = await writer.coordinator.get(key, { trace: true });
    assert.equal(decode(got.record.value), "true");
    assert.ok(!got.replicas.some((r) => r.peer.id === outside.contact.id), "not reported as a replica");
    await writer.coordinator.idle();
    for (const id of net.closestTo(key, 3)) assert.equal(decode((await net.node(id).store.get(key))!.value), "true", `replica ${id.slice(0, 8)} was overwritten`);
  });

  test("delete then get → NOT_FOUND; a stale replica cannot resurrect the value", async () => {
    const key = "doomed";
    const writer = net.outsider(key, 4);
    const put = await writer.coordinator.put(key, text("v1"));
    await writer.coordinator.idle();
    const [a, b, c] = net.closestTo(key, 3);
    net.faults.set(a!, "down"); // misses the delete, keeps v1
    const del = await writer.coordinator.delete(key);
    assert.ok(del.version.wallMs > put.version.wallMs || del.version.logical > put.version.logical);
    await writer.coordinator.idle();
    net.faults.delete(a!);
    assert.equal(decode((await net.node(a!).store.get(key))!.value), "v1");

    await assert.rejects(writer.coordinator.get(key), isDhtError("not_found"));
    await writer.coordinator.idle();
    assert.equal((await net.node(a!).store.get(key))?.tombstone, true, "read repair spread the tombstone");
    // Re-sending the old value to a tombstone holder does nothing.
    const stale = (await serveStore(net.node(b!), net.node(a!).contact, {
      key,
      value: text("v1"),
      version: put.version,
      tombstone: false,
    })) as StoreResult;
    assert.equal(stale.applied, false);
    assert.equal((await net.node(c!).store.get(key))?.tombstone, true);
    assert.equal(writer.coordinator.stats().get.errors, 0, "not found is not an error");
    assert.equal(writer.coordinator.stats().get.count, 1);
  });

  test("deleting a key never written still writes tombstones", async () => {
    const key = "never-written";
    const writer = net.outsider(key, 3);
    await writer.coordinator.delete(key);
    await writer.coordinator.idle();
    assert.deepEqual(await net.holders(key), sorted(net.closestTo(key, 3)));
    await assert.rejects(writer.coordinator.get(key), isDhtError("not_found"));
  });

  test("bad input is refused before any write, naming the field", async () => {
    const writer = net.outsider("k", 3);
    await assert.rejects(writer.coordinator.put("", text("v")), isDhtError("invalid_argument", /^key: /));
    writer.coordinator.updateOptions({ maxValueBytes: 4 });
    await assert.rejects(writer.coordinator.put("k", text("12345")), isDhtError("resource_exhausted", /^value: 5 bytes/));
    assert.equal((await net.holders("k")).length, 0);
  });

  test("W + Rq must exceed R unless consistency is weak on purpose", () => {
    const c = net.outsider("k", 3).coordinator;
    assert.throws(
      () => c.updateOptions({ writeQuorum: 1, readQuorum: 1 }),
      isDhtError("invalid_argument", /^writeQuorum \+ readQuorum: must exceed replicationFactor \(3\) .* got 1 \+ 1; set consistency "weak"/),
    );
    assert.throws(() => c.updateOptions({ readQuorum: 1 }), isDhtError("invalid_argument", /got 2 \+ 1/), "2 + 1 = R is not enough");
    assert.deepEqual([c.options.writeQuorum, c.options.readQuorum, c.options.consistency], [2, 2, "strong"]);
    c.updateOptions({ writeQuorum: 1, readQuorum: 1, consistency: "weak" });
    assert.deepEqual([c.options.writeQuorum, c.options.readQuorum, c.options.consistency], [1, 1, "weak"]);
    assert.throws(() => c.updateOptions({ consistency: "strong" }), /must exceed/, "back to strong needs quorums that overlap");
    assert.throws(() => c.updateOptions({ consistency: "eventual" as "weak" }), /consistency: must be "strong" or "weak"/);
  });

  test("updateOptions is all-or-nothing and applies live", async () => {
    const c = net.outsider("k", 3).coordinator;
    assert.throws(() => c.updateOptions({ writeQuorum: 4 }), isDhtError("invalid_argument", /^writeQuorum: must be an integer from 1 to replicationFactor \(3\), got 4/));
    assert.throws(() => c.updateOptions({ readQuorum: 2, rpcTimeoutMs: 0 }), isDhtError("invalid_argument", /^rpcTimeoutMs:/));
    assert.equal(c.options.writeQuorum, 2);
    c.updateOptions({ writeQuorum: 3 });
    const key = "w3";
    net.faults.set(net.closestTo(key, 1)[0]!, "storeFails");
    net.faults.set(net.closestTo(key, 2)[1]!, "storeFails");
    // W = 3 now: two failed replicas are replaced by fallbacks, so all three still ack.
    const put = await c.put(key, text("v"));
    assert.equal(put.acknowledgedBy.length, 3);
  });
});
