import { test } from "node:test";
import assert from "node:assert/strict";
import { OperationStats } from "./op-stats.js";

test("OperationStats counts per operation and keeps percentiles over a bounded window", () => {
  const s = new OperationStats(100);
  assert.deepEqual(s.snapshot().get, { count: 0, errors: 0, p50Ms: 0, p99Ms: 0 });
  for (let i = 1; i <= 100; i++) s.record("put", i, i % 10 !== 0);
  let put = s.snapshot().put;
  assert.deepEqual(put, { count: 100, errors: 10, p50Ms: 50, p99Ms: 99 });
  // The window keeps the last 100: after 100 slow calls the old fast ones are gone.
  for (let i = 0; i < 100; i++) s.record("put", 1000, true);
  put = s.snapshot().put;
  assert.equal(put.count, 200);
  assert.equal(put.p50Ms, 1000);
  assert.equal(s.snapshot().delete.count, 0);
});
