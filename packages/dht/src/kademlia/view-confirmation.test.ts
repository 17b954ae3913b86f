import assert from "node:assert/strict";
import { test } from "node:test";
import { ViewConfirmation } from "./view-confirmation.js";

test("a confirmed view in use is confirmed again from half its TTL on, so it does not lapse", async () => {
  let now = 0;
  let lookups = 0;
  const view = new ViewConfirmation({
    clock: { now: () => now },
    ttlMs: 30_000,
    lookupSelf: async () => {
      lookups++;
      return { closest: [{ id: "a".repeat(64), address: "x", httpAddress: "" }], hops: 1 } as never;
    },
    tableSize: () => 5,
    failed: () => {},
  });
  await view.confirm();
  assert.equal(lookups, 1);
  now = 10_000;
  assert.equal(view.whole(20, false), true);
  assert.equal(lookups, 1, "young: no refresh");
  now = 16_000;
  assert.equal(view.whole(20, false), true, "still confirmed while the refresh runs");
  await view.running;
  assert.equal(lookups, 2, "refreshed ahead");
  now = 40_000;
  assert.equal(view.whole(20, false), true, "the refresh at 16 s holds until 46 s");
  now = 46_001;
  assert.equal(view.whole(20, false), false, "not used in time: lapsed, and confirming again");
  await view.running;
  assert.equal(view.whole(20, false), true);
});
