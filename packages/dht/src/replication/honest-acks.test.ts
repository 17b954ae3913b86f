// An acknowledgement means the replica holds the version written. A replica that refused a
// Store because it holds a newer version (a writer whose clock runs ahead, or a concurrent
// write) used to count as an ack: the client was told "stored" and a later read returned the
// other value.
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DhtError } from "../errors.js";
import type { ServerInterceptor } from "../rpc/interceptor.js";
import { compareVersions } from "../records/version.js";
import { createTestnet, type Testnet } from "../testing/testnet.js";
import type { NodeEvent } from "../observability/metrics-hooks.js";
import type { StoreResult } from "../types.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe("honest acknowledgements", () => {
  let net: Testnet | undefined;
  afterEach(async () => {
    await net?.stop();
    net = undefined;
  });

  test("a write after one from a peer whose clock runs ahead is read back, not silently beaten", async () => {
    // Node 0's clock is 800 ms fast: within the max clock offset (1 s), so its versions are accepted.
    net = await createTestnet(5, { clockFor: (i) => (i === 0 ? { now: () => Date.now() + 800 } : undefined) });
    const fast = net.nodes[0]!;
    const honest = net.nodes[3]!;
    for (let i = 0; i < 10; i++) {
      const key = `skew/${i}`;
      const first = await fast.coordinator.put(key, enc("from the fast clock"));
      await fast.coordinator.idle();
      const second = await honest.coordinator.put(key, enc("written later"));
      assert.ok(compareVersions(second.version, first.version) > 0, "the later write carries a version above the one it met");
      for (const reader of net.nodes) assert.equal(dec((await reader.coordinator.get(key)).record.value), "written later", `${key} through ${reader.self.id.slice(0, 8)}`);
      // Every peer it named as acknowledging holds what it wrote.
      for (const id of second.acknowledgedBy) assert.equal(dec((await net.node(id).store.get(key))!.value), "written later");
    }
  });

  test("a replica that keeps answering with a newer version is never an ack: the write is ABORTED after its retries", async () => {
    const events: NodeEvent[] = [];
    // Node 2 refuses every Store, claiming a version 1 ms above the one offered.
    const stubborn: ServerInterceptor = (next) => async (call) => {
      if (call.method !== "store") return next(call);
      const offered = call.request as { version: { wallMs: number; logical: number; writer: string } };
      return { applied: false, current: { ...offered.version, wallMs: offered.version.wallMs + 1 } } satisfies StoreResult;
    };
    net = await createTestnet(5, {
      interceptorsFor: (_self, i) => (i === 2 ? { server: [stubborn] } : undefined),
      metricsFor: () => ({ event: (e) => events.push(e) }),
    });
    const liar = net.nodes[2]!.self.id;
    // A key whose replica set includes the stubborn node, written by a node that is not a replica.
    let key = "";
    for (let i = 0; !key; i++) if (net.closest(`stubborn/${i}`, 3).some((c) => c.id === liar)) key = `stubborn/${i}`;
    const writer = net.nodes.find((n) => !net!.closest(key, 3).some((c) => c.id === n.self.id))!;
    await assert.rejects(writer.coordinator.put(key, enc("v")), (e: unknown) => {
      assert.ok(e instanceof DhtError && e.code === "aborted", String(e));
      assert.match(e.message, /^write conflict: replica [0-9a-f]{8} holds version \d+\.\d+ by [0-9a-f]{8}, newer than .* after 3 attempts/);
      return true;
    });
    assert.deepEqual(events.filter((e) => e.startsWith("write_conflict")), ["write_conflict_retried", "write_conflict_retried", "write_conflict_aborted"]);
  });

  test("a peer whose clock is beyond the max clock offset is fenced: its writes fail and say why", async () => {
    const events: NodeEvent[] = [];
    net = await createTestnet(5, {
      clockFor: (i) => (i === 0 ? { now: () => Date.now() + 5_000 } : undefined),
      metricsFor: (_self, i) => (i === 0 ? { event: (e) => events.push(e) } : {}),
    });
    const fast = net.nodes[0]!;
    let key = "";
    for (let i = 0; !key; i++) if (!net.closest(`fenced/${i}`, 3).some((c) => c.id === fast.self.id)) key = `fenced/${i}`;
    await assert.rejects(fast.coordinator.put(key, enc("from the future")), (e: unknown) => {
      assert.ok(e instanceof DhtError && e.code === "failed_precondition", String(e));
      assert.match(e.message, /^write refused: \d replica\(s\) say this peer's clock is ahead of theirs by more than the max clock offset, e\.g\. [0-9a-f]{8}: version\.wallMs: \d+ is \d+ ms ahead .*max clock offset 1000 ms.*; \d of 2 required replicas acknowledged$/);
      return true;
    });
    assert.ok(events.includes("clock_offset_refused"));
    assert.deepEqual(await net.holders(key), [], "nothing was acknowledged, nothing kept");
    // An honest peer's write of the same key then stands.
    await net.nodes[1]!.coordinator.put(key, enc("now"));
    assert.equal(dec((await net.nodes[4]!.coordinator.get(key)).record.value), "now");
  });

  test("a replica whose clock is slow refuses honest writes, which reach their quorum through the others", async () => {
    net = await createTestnet(6, { clockFor: (i) => (i === 2 ? { now: () => Date.now() - 5_000 } : undefined) });
    const slow = net.nodes[2]!.self.id;
    let key = "";
    for (let i = 0; !key; i++) if (net.closest(`slow/${i}`, 3).some((c) => c.id === slow)) key = `slow/${i}`;
    const writer = net.nodes.find((n) => n.self.id !== slow)!;
    const res = await writer.coordinator.put(key, enc("v"));
    assert.ok(!res.acknowledgedBy.includes(slow));
    await writer.coordinator.idle();
    assert.equal((await net.holders(key)).length, 3, "a spare took the slow replica's copy");
    assert.equal(dec((await writer.coordinator.get(key)).record.value), "v");
  });
});
