import { test } from "node:test";
import assert from "node:assert/strict";
import { pickBootstraps } from "./network.js";

test("pickBootstraps takes up to n distinct running addresses, spread over all of them", () => {
  const all = Array.from({ length: 10 }, (_, i) => `127.0.0.1:${40000 + i}`);
  assert.deepEqual(pickBootstraps([], 3), []);
  assert.deepEqual(pickBootstraps(all.slice(0, 2), 3).sort(), all.slice(0, 2));
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const picked = pickBootstraps(all, 3);
    assert.equal(picked.length, 3);
    assert.equal(new Set(picked).size, 3);
    for (const a of picked) {
      assert.ok(all.includes(a));
      seen.add(a);
    }
  }
  // Not always the first peer: every running peer serves some joins.
  assert.equal(seen.size, all.length);
});
