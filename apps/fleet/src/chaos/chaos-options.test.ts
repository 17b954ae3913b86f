import { test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { FAULT_KINDS, resolveChaosOptions } from "./chaos-options.js";
import { Prng } from "./prng.js";

test("chaos options: zero or unset means the default, a seed is picked when 0, bad fields are named", () => {
  assert.deepEqual(resolveChaosOptions({}, () => 99), { seed: 99, seconds: 60, clients: 8, keys: 40, faults: [...FAULT_KINDS] });
  assert.deepEqual(resolveChaosOptions({ seed: 7n, seconds: 5, clients: 64, keys: 10_000, faults: ["kill", "kill", "skew"] }), {
    seed: 7, seconds: 5, clients: 64, keys: 10_000, faults: ["kill", "skew"],
  });
  const bad: [Parameters<typeof resolveChaosOptions>[0], RegExp][] = [
    [{ seconds: 4 }, /^seconds: must be from 5 to 3600, got 4/],
    [{ clients: 65 }, /^clients: must be from 1 to 64/],
    [{ keys: 10_001 }, /^keys: must be from 1 to 10000/],
    [{ seed: 2n ** 32n }, /^seed: must be from 0 to 4294967295/],
    [{ faults: ["meteor"] }, /^faults: unknown kind "meteor"/],
  ];
  for (const [input, message] of bad) {
    assert.throws(() => resolveChaosOptions(input), (e: unknown) => e instanceof ConnectError && e.code === Code.InvalidArgument && message.test(e.rawMessage));
  }
});

test("the PRNG replays from its seed and stays in range", () => {
  const a = new Prng(42);
  const b = new Prng(42);
  const xs = Array.from({ length: 1000 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.next()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, () => new Prng(43).next()));
  const r = new Prng(1);
  const ints = Array.from({ length: 2000 }, () => r.int(3, 5));
  assert.deepEqual([...new Set(ints)].sort(), [3, 4, 5]);
  assert.deepEqual(new Prng(5).shuffle([1, 2, 3, 4, 5]).sort(), [1, 2, 3, 4, 5]);
  assert.throws(() => r.pick([]), RangeError);
});
