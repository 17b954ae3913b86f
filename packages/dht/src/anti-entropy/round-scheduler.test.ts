import { test } from "node:test";
import assert from "node:assert/strict";
import { RoundScheduler } from "./round-scheduler.js";

const settings = { options: { repairIntervalMs: 60_000, promptDelayMs: 1 } };

test("a start whose index load rejects is no unhandled rejection, and rounds still run", async (t) => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  t.after(() => process.off("unhandledRejection", onUnhandled));

  let rounds = 0;
  let ran!: () => void;
  const firstRound = new Promise<void>((resolve) => (ran = resolve));
  const scheduler = new RoundScheduler({ clock: { now: () => Date.now() }, settings, round: async () => { rounds++; ran(); } });
  scheduler.start(Promise.reject(new Error("MDB_CORRUPTED: Located page was wrong type")));
  await firstRound;
  await scheduler.stop();
  // Unhandled rejections are reported after the microtask queue drains.
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(unhandled, []);
  assert.equal(rounds, 1);
});
