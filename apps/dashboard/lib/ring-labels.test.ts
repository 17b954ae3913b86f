import { test } from "node:test";
import assert from "node:assert/strict";
import { minLabelGap, ringGap, visibleLabels } from "./ring-labels";

test("ring gaps wrap around 0", () => {
  assert.ok(Math.abs(ringGap(0.99, 0.01) - 0.02) < 1e-12);
  assert.equal(ringGap(0.25, 0.75), 0.5);
});

test("no two shown labels are closer than the gap, and spread peers all get one", () => {
  const gap = minLabelGap(12, 318);
  const spread = Array.from({ length: 20 }, (_, i) => i / 20);
  assert.ok(visibleLabels(spread, gap).every(Boolean));
  // A cluster of 10 peers within 1% of the ring plus a few far away.
  const positions = [...Array.from({ length: 10 }, (_, i) => 0.1 + i * 0.001), 0.4, 0.7, 0.9995, 0.0005];
  const shown = visibleLabels(positions, gap);
  const kept = positions.filter((_, i) => shown[i]);
  for (const a of kept) for (const b of kept) if (a !== b) assert.ok(ringGap(a, b) >= gap, `${a} and ${b} collide`);
  assert.ok(shown[10] && shown[11], "isolated peers keep their labels");
  assert.ok(kept.length < positions.length, "some of the cluster is hidden");
  assert.equal(shown[12]! && shown[13]!, false, "labels either side of 0 collide too");
});

test("a selected or hovered peer's label is always shown and wins over its neighbours", () => {
  const positions = [0.5, 0.5005, 0.501];
  const shown = visibleLabels(positions, 0.002, [1]);
  assert.deepEqual(shown, [false, true, false]);
});
