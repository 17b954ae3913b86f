import { test } from "node:test";
import assert from "node:assert/strict";
import { carryOver, totalOps, type PeerCounters } from "./op-totals";

const op = (name: string, count: number, errors = 0, p50Ms = 1, p99Ms = 2) => ({ name, count, errors, p50Ms, p99Ms });
const peer = (up: boolean, puts: number, rate = 0): PeerCounters => ({ up, operations: [op("put", puts)], rates: new Map([["put", rate]]) });

test("totals keep the last known counters of down peers and say how many", () => {
  const fleet = Array.from({ length: 50 }, () => peer(true, 10, 1));
  const before = totalOps(fleet);
  assert.equal(before.ops.find((o) => o.name === "put")!.count, 500);
  for (let i = 0; i < 5; i++) fleet[i] = peer(false, 10, 7);
  const after = totalOps(fleet);
  assert.equal(after.ops.find((o) => o.name === "put")!.count, 500, "the total must not go backwards when peers die");
  assert.equal(after.downPeersCounted, 5);
  // A down peer answers nothing now: it adds no rate.
  assert.equal(after.opsPerSec, 45);
});

test("a peer that never answered adds nothing", () => {
  const t = totalOps([{ up: false, rates: new Map() }, peer(true, 3)]);
  assert.equal(t.ops[0]!.count, 3);
  assert.equal(t.downPeersCounted, 0);
});

test("a restart's reset counters are carried over, so totals keep growing", () => {
  let carried = carryOver(new Map(), [op("put", 40, 2)], [op("put", 3)]);
  assert.deepEqual([...carried], [["put", { count: 40, errors: 2 }]]);
  carried = carryOver(carried, [op("put", 3)], [op("put", 5)]);
  assert.deepEqual([...carried], [["put", { count: 40, errors: 2 }]], "growth is not a reset");
  const t = totalOps([{ up: true, operations: [op("put", 5)], rates: new Map(), carried }]);
  assert.equal(t.ops[0]!.count, 45);
  assert.equal(t.ops[0]!.errors, 2);
});

test("latencies come from live peers only", () => {
  const t = totalOps([{ up: true, operations: [op("get", 10, 0, 2, 5)], rates: new Map() }, { up: false, operations: [op("get", 10, 0, 100, 900)], rates: new Map() }]);
  assert.equal(t.ops[0]!.p50Ms, 2);
  assert.equal(t.ops[0]!.p99Ms, 5);
  assert.equal(t.ops[0]!.count, 20);
});
