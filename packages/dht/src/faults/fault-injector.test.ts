// Fault injection through the node's own seams, on an in-memory network of complete nodes.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DhtError } from "../errors.js";
import { systemClock } from "../types.js";
import { Testnet, testContact } from "../testing/testnet.js";
import { FaultInjector, NO_FAULTS } from "./fault-injector.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const N = 6;

test("rules are validated field by field, and a bad set changes nothing", () => {
  const f = new FaultInjector();
  const peer = testContact(1).id;
  f.set({ dropPeers: [peer], delays: [{ peer: "*", delayMs: 5 }], clockSkewMs: -2000 });
  const bad = [
    [{ ...NO_FAULTS, dropPeers: ["nope"] }, /^dropPeers\[0\]: must be a peer ID/],
    [{ ...NO_FAULTS, delays: [{ peer: peer, delayMs: -1 }] }, /^delays\[0\]\.delayMs/],
    [{ ...NO_FAULTS, delays: [{ peer: "x", delayMs: 1 }] }, /^delays\[0\]\.peer/],
    [{ ...NO_FAULTS, clockSkewMs: 1.5 }, /^clockSkewMs/],
    [{ ...NO_FAULTS, clockSkewMs: 2 * 86_400_000 }, /^clockSkewMs/],
  ] as const;
  for (const [rules, message] of bad) {
    assert.throws(() => f.set(rules as never), (e: unknown) => e instanceof DhtError && e.code === "invalid_argument" && message.test(e.message));
  }
  assert.deepEqual(f.rules, { dropPeers: [peer], delays: [{ peer: "*", delayMs: 5 }], clockSkewMs: -2000 });
  const clock = f.clock(systemClock);
  assert.ok(Math.abs(clock.now() - (Date.now() - 2000)) < 50);
  f.set(NO_FAULTS);
  assert.equal(f.active, false);
});

describe("a partition injected on both sides", () => {
  const faults = Array.from({ length: N }, () => new FaultInjector());
  const net = new Testnet({
    interceptorsFor: (_self, i) => ({ client: [faults[i]!.client], server: [faults[i]!.server] }),
    clockFor: (i) => faults[i]!.clock(systemClock),
  });
  before(() => net.add(N));
  after(() => net.stop());

  /** Splits the nodes into groups that cannot reach each other. */
  function partition(...groups: number[][]): void {
    for (const group of groups) {
      const others = groups.filter((g) => g !== group).flat().map((i) => net.nodes[i]!.self.id);
      for (const i of group) faults[i]!.set({ ...NO_FAULTS, dropPeers: others });
    }
  }

  test("both sides of a partition stay writable; after healing, every peer reads the newest write and the stand-ins' copies go home", async () => {
    // A key whose three replicas are all on the majority side.
    const minority = [0, 1];
    const majority = [2, 3, 4, 5];
    const indexOf = (id: string) => net.nodes.findIndex((n) => n.self.id === id);
    let key = "";
    for (let i = 0; !key; i++) {
      const k = `split/${i}`;
      if (net.closest(k, 3).every((c) => majority.includes(indexOf(c.id)))) key = k;
    }
    await net.nodes[2]!.put(key, enc("before"));
    partition(minority, majority);
    await net.nodes[3]!.put(key, enc("during"));
    // The minority cannot reach a replica: its stand-ins (itself included) take the write, as a
    // sloppy quorum does, and will hand it back.
    const put = await net.nodes[0]!.put(key, enc("from the minority"));
    assert.ok(put.acknowledgedBy.every((id) => minority.includes(indexOf(id))));
    assert.ok(faults[0]!.counts.droppedOut > 0, "calls across the partition were dropped");

    for (const f of faults) f.set(NO_FAULTS);
    const replicas = net.closest(key, 3).map((c) => c.id).sort();
    await net.settle(5, async () => (await net.holders(key)).join() === replicas.join());
    for (const n of net.nodes) assert.equal(dec((await n.get(key)).record.value), "from the minority", `read through node ${indexOf(n.self.id)}`);
  });

  test("a delay to every peer slows calls but loses none", async () => {
    faults[1]!.set({ ...NO_FAULTS, delays: [{ peer: "*", delayMs: 30 }] });
    const started = Date.now();
    await net.nodes[1]!.put("slow/1", enc("v"));
    assert.ok(Date.now() - started >= 30);
    assert.ok(faults[1]!.counts.delayed > 0);
    faults[1]!.set(NO_FAULTS);
    assert.equal(dec((await net.nodes[4]!.get("slow/1")).record.value), "v");
  });

  test("a clock skewed beyond the max offset gets its writes refused by the others", async () => {
    faults[5]!.set({ ...NO_FAULTS, clockSkewMs: 60_000 });
    await assert.rejects(net.nodes[5]!.put("skewed/1", enc("v")), (e: unknown) => e instanceof DhtError && e.code === "failed_precondition" && /clock is ahead/.test(e.message));
    faults[5]!.set(NO_FAULTS);
  });
});
