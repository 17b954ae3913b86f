import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DhtError } from "../errors.js";
import { HybridLogicalClock } from "./hlc.js";
import { compareVersions } from "./version.js";

const A = "a".repeat(64);
const B = "b".repeat(64);

function manualClock(start: number) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe("HybridLogicalClock", () => {
  test("stays strictly increasing when the physical clock goes backwards", () => {
    const phys = manualClock(10_000);
    const hlc = new HybridLogicalClock({ self: A, clock: phys });
    const first = hlc.now();
    assert.deepEqual(first, { wallMs: 10_000, logical: 0, writer: A });
    phys.t = 9_000; // NTP step backwards
    const second = hlc.now();
    const third = hlc.now();
    assert.ok(compareVersions(second, first) > 0);
    assert.ok(compareVersions(third, second) > 0);
    assert.equal(second.wallMs, 10_000, "wall time never goes back");
    assert.equal(third.logical, 2);
    phys.t = 10_005;
    assert.deepEqual(hlc.now(), { wallMs: 10_005, logical: 0, writer: A }, "logical resets when time advances");
  });

  test("the next write after observe() is newer than the observed version", () => {
    const phys = manualClock(50_000);
    const hlc = new HybridLogicalClock({ self: A, clock: phys });
    hlc.now();
    const remote = { wallMs: 50_500, logical: 7, writer: B }; // a peer 500 ms ahead
    hlc.observe(remote);
    const mine = hlc.now();
    assert.ok(compareVersions(mine, remote) > 0);
    assert.deepEqual(mine, { wallMs: 50_500, logical: 8, writer: A });
    // Observing an older version changes nothing.
    hlc.observe({ wallMs: 1, logical: 99, writer: B });
    assert.deepEqual(hlc.now(), { wallMs: 50_500, logical: 9, writer: A });
  });

  test("refuses a version too far ahead and keeps its clock", () => {
    const phys = manualClock(1_000_000);
    const hlc = new HybridLogicalClock({ self: A, clock: phys, maxOffsetMs: 60_000 });
    assert.throws(
      () => hlc.observe({ wallMs: 1_000_000 + 60_001, logical: 0, writer: B }),
      (e: unknown) => e instanceof DhtError && e.code === "failed_precondition" && /^version\.wallMs: .* 60001 ms ahead .*max clock offset 60000 ms/.test(e.message),
    );
    assert.equal(hlc.now().wallMs, 1_000_000);
    hlc.observe({ wallMs: 1_000_000 + 60_000, logical: 0, writer: B }); // exactly at the limit: fine
    assert.equal(hlc.now().wallMs, 1_060_000);
  });

  test("logical overflow borrows a millisecond", () => {
    const phys = manualClock(5);
    const hlc = new HybridLogicalClock({ self: A, clock: phys });
    hlc.observe({ wallMs: 5, logical: 0xffff_fffe, writer: B });
    assert.deepEqual(hlc.now(), { wallMs: 5, logical: 0xffff_ffff, writer: A });
    assert.deepEqual(hlc.now(), { wallMs: 6, logical: 0, writer: A });
  });
});
