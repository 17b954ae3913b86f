import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { runPool } from "./chunk-pool.js";

test("at most `parallel` items run at once, all of them run", async () => {
  let running = 0;
  let peak = 0;
  const done: number[] = [];
  await runPool([0, 1, 2, 3, 4, 5, 6], 3, async (i) => {
    peak = Math.max(peak, ++running);
    await sleep(5 + (i % 2) * 5);
    running--;
    done.push(i);
  });
  assert.equal(peak, 3);
  assert.deepEqual(done.sort(), [0, 1, 2, 3, 4, 5, 6]);
});

test("after a failure nothing new starts, items in flight finish, then the first failure is thrown", async () => {
  const finished: number[] = [];
  await assert.rejects(
    runPool([0, 1, 2, 3, 4, 5], 3, async (i) => {
      if (i === 1) throw new Error("chunk 1 failed");
      await sleep(20);
      finished.push(i);
    }),
    /chunk 1 failed/,
  );
  assert.deepEqual(finished.sort(), [0, 2], "3 and later never start");
});
