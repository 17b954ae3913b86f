import assert from "node:assert/strict";
import { test } from "node:test";
import { KeyedTokenBuckets, type RateDecision } from "./keyed-token-buckets.js";

function fakeClock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const allowedCount = (buckets: KeyedTokenBuckets, key: string, n: number) =>
  Array.from({ length: n }, () => buckets.take(key)).filter((d) => d.allowed).length;

test("a burst passes, the next request waits for one token's worth of time", () => {
  const clock = fakeClock();
  const buckets = new KeyedTokenBuckets({ ratePerSecond: 10, burst: 5 }, { maxKeys: 10, now: clock.now });
  assert.equal(allowedCount(buckets, "a", 5), 5);
  const refused = buckets.take("a");
  assert.deepEqual(refused, { allowed: false, retryAfterMs: 100, bucket: "client", ratePerSecond: 10 });
  clock.advance(50);
  const later = buckets.take("a") as Extract<RateDecision, { allowed: false }>;
  assert.equal(later.allowed, false);
  assert.ok(Math.abs(later.retryAfterMs - 50) < 1e-6, `retry after ${later.retryAfterMs}`);
  clock.advance(50);
  assert.equal(buckets.take("a").allowed, true);
});

test("the sustained rate is the refill rate, not the burst", () => {
  const clock = fakeClock();
  const buckets = new KeyedTokenBuckets({ ratePerSecond: 100, burst: 10 }, { maxKeys: 10, now: clock.now });
  let allowed = 0;
  // 1000 requests/s for 2 s: 10 from the burst, then 100 per second.
  for (let i = 0; i < 2000; i++) {
    if (buckets.take("a").allowed) allowed++;
    clock.advance(1);
  }
  assert.ok(allowed >= 205 && allowed <= 212, `${allowed} allowed`);
});

test("keys have their own buckets: one flooding client does not starve another", () => {
  const clock = fakeClock();
  const buckets = new KeyedTokenBuckets({ ratePerSecond: 1, burst: 3 }, { maxKeys: 10, now: clock.now });
  assert.equal(allowedCount(buckets, "flood", 100), 3);
  assert.equal(allowedCount(buckets, "honest", 3), 3);
});

test("rate 0 is off: everything passes and nothing is tracked", () => {
  const buckets = new KeyedTokenBuckets({ ratePerSecond: 0, burst: 1 }, { maxKeys: 1 });
  assert.equal(buckets.enabled, false);
  assert.equal(allowedCount(buckets, "a", 1000), 1000);
  assert.equal(buckets.size, 0);
});

test("idle buckets are dropped once they would be full again", () => {
  const clock = fakeClock();
  const buckets = new KeyedTokenBuckets({ ratePerSecond: 10, burst: 20 }, { maxKeys: 100, now: clock.now });
  for (let i = 0; i < 50; i++) buckets.take(`k${i}`);
  assert.equal(buckets.size, 50);
  clock.advance(1500); // a sweep runs (≥ 1 s since the last), but nothing is full yet: burst / rate = 2 s
  buckets.take("k0");
  assert.equal(buckets.size, 50);
  clock.advance(1000); // the next sweep drops the 49 untouched for 2.5 s
  buckets.take("k0");
  assert.equal(buckets.size, 1);
});

test("a full table sends new keys to one shared overflow bucket, counted, while known keys keep theirs", () => {
  const clock = fakeClock();
  let overflowed = 0;
  const buckets = new KeyedTokenBuckets({ ratePerSecond: 1, burst: 2 }, { maxKeys: 3, now: clock.now, onOverflow: () => overflowed++ });
  for (const k of ["a", "b", "c"]) assert.equal(buckets.take(k).allowed, true);
  // 1000 rotating addresses beyond the cap share one bucket of 2.
  const rotating = Array.from({ length: 1000 }, (_, i) => buckets.take(`rot${i}`));
  assert.equal(rotating.filter((d) => d.allowed).length, 2);
  const refused = rotating.at(-1)!;
  assert.equal(refused.allowed, false);
  assert.equal(!refused.allowed && refused.bucket, "overflow");
  assert.equal(overflowed, 1000);
  assert.equal(buckets.size, 3);
  assert.equal(buckets.take("a").allowed, true, "a known key still has its own bucket");
  // Once the known keys go idle they are dropped and newcomers get their own buckets again.
  clock.advance(2001);
  assert.equal(buckets.take("new").allowed, true);
  assert.equal(buckets.take("new").allowed, true);
  assert.equal(overflowed, 1000);
});

test("limits change live; turning them off forgets the buckets", () => {
  const clock = fakeClock();
  const buckets = new KeyedTokenBuckets({ ratePerSecond: 1, burst: 1 }, { maxKeys: 10, now: clock.now });
  assert.equal(allowedCount(buckets, "a", 5), 1);
  buckets.setLimits({ ratePerSecond: 1000, burst: 10 });
  clock.advance(10);
  assert.equal(allowedCount(buckets, "a", 20), 10);
  buckets.setLimits({ ratePerSecond: 0, burst: 10 });
  assert.equal(buckets.size, 0);
  assert.equal(allowedCount(buckets, "a", 100), 100);
});

test("bad limits are refused with the field named", () => {
  assert.throws(() => new KeyedTokenBuckets({ ratePerSecond: -1, burst: 1 }, { maxKeys: 1 }), /ratePerSecond/);
  assert.throws(() => new KeyedTokenBuckets({ ratePerSecond: 1, burst: 0 }, { maxKeys: 1 }), /burst/);
  assert.throws(() => new KeyedTokenBuckets({ ratePerSecond: 1, burst: 1 }, { maxKeys: 0 }), /maxKeys/);
});
