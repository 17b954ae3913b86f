import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { Bitfield } from "./bitfield.js";
import { StateSaver } from "./state-saver.js";

test("many changes in one interval cost one write, and flush writes the last change", async () => {
  const bits = Bitfield.empty(100);
  const writes: number[][] = [];
  const saver = new StateSaver(bits, async (snap) => void writes.push(snap.indexes()), 50);
  for (let i = 0; i < 100; i += 2) {
    bits.set(i);
    saver.changed();
  }
  await sleep(10);
  assert.equal(writes.length, 1, "the first change is written at once");
  bits.set(1);
  saver.changed();
  await sleep(10);
  assert.equal(writes.length, 1, "the next waits for the interval");
  await saver.flush();
  assert.equal(writes.length, 2);
  assert.ok(writes[1]!.includes(1) && writes[1]!.length === 51);
  await saver.flush();
  assert.equal(writes.length, 2, "nothing changed, nothing written");
});

test("a failed background write is reported by the next flush", async () => {
  const bits = Bitfield.empty(1);
  const saver = new StateSaver(bits, async () => Promise.reject(new Error("disk full")), 0);
  saver.changed();
  await sleep(10);
  await assert.rejects(saver.flush(), /disk full/);
});

test("discard drops a pending write, so a sidecar removed after it stays removed", async () => {
  const bits = Bitfield.empty(2);
  const writes: number[][] = [];
  const saver = new StateSaver(bits, async (snap) => void writes.push(snap.indexes()), 30);
  bits.set(0);
  saver.changed();
  await sleep(5);
  bits.set(1);
  saver.changed(); // due in ~25 ms
  await saver.discard();
  await sleep(50);
  assert.deepEqual(writes, [[0]]);
});
