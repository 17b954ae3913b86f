import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { VirtualClock } from "./virtual-clock.js";

describe("VirtualClock", () => {
  test("fires timers in time order (ties in the order set), skips cleared ones, restores the real timers", async () => {
    const time = new VirtualClock();
    const realSetTimeout = globalThis.setTimeout;
    const fired: string[] = [];
    const started = performance.now();
    const result = await time.run(async () => {
      setTimeout(() => fired.push(`b@${time.now}`), 200);
      setTimeout(() => fired.push(`a@${time.now}`), 100);
      setTimeout(() => fired.push(`c@${time.now}`), 200);
      const dropped = setTimeout(() => fired.push("never"), 150);
      clearTimeout(dropped);
      const every = setInterval(() => fired.push(`i@${time.now}`), 70);
      setTimeout(() => clearInterval(every), 250);
      await new Promise((resolve) => setTimeout(resolve, 3_600_000));
      return time.now;
    });
    assert.equal(result, 3_600_000, "an hour of virtual time");
    assert.ok(performance.now() - started < 1000, "passes in far less real time");
    assert.deepEqual(fired.filter((f) => !f.startsWith("i")), ["a@100", "b@200", "c@200"]);
    assert.deepEqual(fired.filter((f) => f.startsWith("i")), ["i@70", "i@140", "i@210"]);
    assert.equal(globalThis.setTimeout, realSetTimeout);
    assert.equal(time.clock.now(), time.epochMs + 3_600_000, "the nodes' clock moves with virtual time");
  });

  test("a rejection of the work rejects run(); nothing pending and unfinished is reported as a stall", async () => {
    const time = new VirtualClock();
    await assert.rejects(time.run(async () => Promise.reject(new Error("boom"))), /boom/);
    await assert.rejects(time.run(() => new Promise(() => {}), { stallMs: 50 }), /no timer pending/);
  });
});
