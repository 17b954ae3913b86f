import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { startPeriodicSync } from "./periodic-sync.js";

test("flushes every interval, one at a time, reports errors, and flushes once more on stop", async () => {
  let calls = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const errors: unknown[] = [];
  const sync = (done: (error?: unknown) => void) => {
    calls++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // A slow disk: each flush takes longer than the interval.
    setTimeout(() => {
      inFlight--;
      done(calls === 2 ? new Error("EIO") : undefined);
    }, 30);
  };
  const s = startPeriodicSync(sync, 10, (e) => errors.push(e));
  await sleep(120);
  await s.stop();
  assert.ok(calls >= 3, `${calls} flushes`);
  assert.equal(maxInFlight, 1, "never two flushes at once");
  assert.equal(errors.length, 1);
  assert.equal(s.flushes, calls - 1);
  const after = calls;
  await sleep(40);
  assert.equal(calls, after, "no flush after stop");
});

test("interval 0: no timer, only the flush at stop", async () => {
  let calls = 0;
  const s = startPeriodicSync((done) => (calls++, done()), 0, () => {});
  await sleep(30);
  assert.equal(calls, 0);
  await s.stop();
  assert.equal(calls, 1);
});
