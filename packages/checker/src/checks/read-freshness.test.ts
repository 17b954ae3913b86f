import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Anomaly } from "../anomaly.js";
import type { Verdict } from "../check-history.js";
import { del, fault, found, notFound, phase, put, ver, verdictOf } from "../testing/history-fixtures.js";

/** The only anomaly of a verdict, checked to be of `kind`. */
function only(v: Verdict, kind: Anomaly["kind"]): Anomaly {
  assert.deepEqual(
    v.anomalies.map((a) => a.kind),
    [kind],
  );
  return v.anomalies[0]!;
}

function assertValid(v: Verdict): void {
  assert.deepEqual(v.anomalies, [], v.anomalies.map((a) => a.explanation).join("\n"));
  assert.equal(v.valid, true);
}

/** Ops ids as the anomaly lists them, by role. */
function roles(a: Anomaly): string[] {
  return a.ops.map((op) => `${op.role} ${op.id}`);
}

describe("lost-write (final reads)", () => {
  it("flags a final read that returns a value older than the last acknowledged write", () => {
    const v = verdictOf(
      put({ id: 1, value: "a", start: 0, end: 10 }),
      put({ id: 2, value: "b", start: 20, end: 30 }),
      phase("final-reads", 100),
      found({ id: 3, start: 101, end: 102, value: "a", version: ver(10) }),
    );
    const a = only(v, "lost-write");
    assert.equal(a.key, "k");
    assert.match(a.explanation, /^final get 3 on key "k" .* older than put 2 .*acknowledged at 30: the write is lost$/);
    assert.deepEqual(roles(a), ["read 3", "missed-write 2", "source-write 1"]);
    assert.equal(v.counts["lost-write"], 1);
    assert.equal(v.valid, false);
  });

  it("flags a final read that finds nothing when no delete could have superseded the write", () => {
    const v = verdictOf(
      put({ id: 1, value: "a", start: 0, end: 10 }),
      del({ id: 2, start: 1, end: 5, outcome: "fail" }),
      phase("final-reads", 100),
      notFound({ id: 3, start: 101, end: 102 }),
    );
    const a = only(v, "lost-write");
    assert.match(a.explanation, /final get 3 on key "k" began at 101 and found nothing, yet put 1 .* no delete could have superseded it/);
  });

  it("accepts a concurrent write that finished first but carries the higher version", () => {
    // Real time alone would call "a" (finished last) the latest; last-writer-wins keeps "b".
    const v = verdictOf(
      put({ id: 1, value: "a", start: 0, end: 20, version: ver(5) }),
      put({ id: 2, value: "b", start: 2, end: 10, version: ver(8) }),
      phase("final-reads", 100),
      found({ id: 3, start: 101, end: 102, value: "b", version: ver(8) }),
    );
    assertValid(v);
  });

  it("accepts the value of a write whose outcome is unknown, when it is newer", () => {
    const v = verdictOf(
      put({ id: 1, value: "a", start: 0, end: 10 }),
      put({ id: 2, value: "b", start: 20, end: 30, outcome: "unknown" }),
      phase("final-reads", 100),
      found({ id: 3, start: 101, end: 102, value: "b", version: ver(25) }),
    );
    assertValid(v);
  });

  it("accepts nothing found when a delete of unknown outcome may have come after the write", () => {
    const v = verdictOf(
      put({ id: 1, value: "a", start: 0, end: 10 }),
      { type: "op", id: 2, client: "c2", f: "delete", key: "k", start: 5 }, // never completed
      phase("final-reads", 100),
      notFound({ id: 3, start: 101, end: 102 }),
    );
    assertValid(v);
  });

  it("does not excuse an unknown delete that ended before the write began", () => {
    const v = verdictOf(
      del({ id: 1, start: 0, end: 2, outcome: "unknown" }),
      put({ id: 2, value: "a", start: 5, end: 10 }),
      phase("final-reads", 100),
      notFound({ id: 3, start: 101, end: 102 }),
    );
    assert.deepEqual(roles(only(v, "lost-write")), ["read 3", "missed-write 2"]);
  });

  it("labels a write acknowledged during a partition and then lost as minority-ack-lost", () => {
    const v = verdictOf(
      fault({ id: "p1", kind: "partition", start: 5, end: 50, peers: ["p1", "p2"] }),
      put({ id: 1, value: "a", start: 10, end: 20, peer: "p1" }),
      phase("final-reads", 100),
      notFound({ id: 2, start: 101, end: 102 }),
    );
    const a = only(v, "lost-write");
    assert.equal(a.minorityAckLost, true);
    assert.deepEqual(a.faults?.map((f) => f.id), ["p1"]);
    assert.match(a.explanation, /; it was acknowledged during partition "p1"$/);
    assert.equal(v.counts.minorityAckLost, 1);
  });

  it("does not excuse a final read that overlaps a fault", () => {
    const v = verdictOf(
      put({ id: 1, value: "a", start: 0, end: 10 }),
      phase("final-reads", 100),
      fault({ id: 1, kind: "kill", start: 90, end: 110 }),
      notFound({ id: 2, start: 101, end: 102 }),
    );
    only(v, "lost-write");
    assert.match(v.warnings.join("\n"), /fault 1 \(kill\) was still active when final reads began/);
  });
});

describe("stale-read", () => {
  const history = [
    put({ id: 1, value: "a", start: 0, end: 10 }),
    put({ id: 2, value: "b", start: 20, end: 30 }),
    found({ id: 3, start: 40, end: 45, value: "a", version: ver(10) }),
  ];

  it("flags a read that began after a write was acknowledged and returned something older", () => {
    const a = only(verdictOf(...history), "stale-read");
    assert.match(a.explanation, /^get 3 on key "k" began at 40 and returned "a" \(version 10\.0@w1\), older than put 2 \(version 30\.0@w1\) acknowledged at 30$/);
    assert.deepEqual(roles(a), ["read 3", "missed-write 2", "source-write 1"]);
  });

  it("flags a read that found nothing after a put was acknowledged", () => {
    const a = only(verdictOf(put({ id: 1, value: "a", start: 0, end: 10 }), notFound({ id: 2, start: 11, end: 12 })), "stale-read");
    assert.match(a.explanation, /get 2 on key "k" began at 11 and found nothing, yet put 1/);
  });

  it("counts a read that overlaps a fault window apart, not as an anomaly", () => {
    const v = verdictOf(...history, fault({ id: 7, kind: "partition", start: 42, end: 60 }));
    assertValid(v);
    assert.equal(v.counts.staleDuringFaults, 1);
    const example = v.staleDuringFaultsExamples[0]!;
    assert.equal(example.kind, "stale-read");
    assert.match(example.explanation, /the read overlapped fault 7 \(partition\)$/);
  });

  it("still flags a fault-free read when the fault was over before it began, and says so", () => {
    const a = only(verdictOf(...history, fault({ id: 7, kind: "kill", start: 15, end: 35 })), "stale-read");
    assert.match(a.explanation, /; fault 7 \(kill\) was active between the write and the read$/);
  });

  it("accepts an old value from a read concurrent with the write", () => {
    const v = verdictOf(
      put({ id: 1, value: "a", start: 0, end: 10 }),
      put({ id: 2, value: "b", start: 20, end: 30 }),
      found({ id: 3, start: 25, end: 35, value: "a", version: ver(10) }),
      found({ id: 4, start: 30, end: 35, value: "a", version: ver(10) }), // began at the ack, not after it
    );
    assertValid(v);
  });

  it("accepts nothing found when an acknowledged delete ran concurrently with the read", () => {
    const v = verdictOf(
      put({ id: 1, value: "a", start: 0, end: 10 }),
      del({ id: 2, start: 15, end: 30 }),
      notFound({ id: 3, start: 12, end: 20 }),
    );
    assertValid(v);
  });

  it("does not judge reads that failed or whose outcome is unknown", () => {
    const v = verdictOf(
      put({ id: 1, value: "a", start: 0, end: 10 }),
      { type: "op", id: 2, client: "c1", f: "get", key: "k", start: 20, end: 25, outcome: "unknown", error: "deadline exceeded" },
    );
    assertValid(v);
  });

  it("keeps keys apart", () => {
    const v = verdictOf(put({ id: 1, key: "x", value: "a", start: 0, end: 10 }), notFound({ id: 2, key: "y", start: 20, end: 21 }));
    assertValid(v);
  });
});

describe("resurrected-delete", () => {
  const history = [put({ id: 1, value: "a", start: 0, end: 10 }), del({ id: 2, start: 20, end: 30 })];

  it("flags a read after an acknowledged delete that returns the deleted value", () => {
    const a = only(verdictOf(...history, found({ id: 3, start: 40, end: 45, value: "a", version: ver(10) })), "resurrected-delete");
    assert.match(a.explanation, /^get 3 on key "k" began at 40 and returned "a" .* older than delete 2 .* the deleted value came back$/);
    assert.deepEqual(roles(a), ["read 3", "missed-delete 2", "source-write 1"]);
  });

  it("flags it in the final reads too, naming the newer put the read also missed", () => {
    const v = verdictOf(
      ...history,
      put({ id: 4, value: "b", start: 50, end: 60 }),
      phase("final-reads", 100),
      found({ id: 3, start: 101, end: 102, value: "a", version: ver(10) }),
    );
    const a = only(v, "resurrected-delete");
    assert.match(a.explanation, /^final get 3/);
    assert.deepEqual(roles(a), ["read 3", "missed-delete 2", "missed-write 4", "source-write 1"]);
  });

  it("accepts a value from a put concurrent with the delete that won on version", () => {
    const v = verdictOf(
      ...history,
      put({ id: 4, value: "b", start: 25, end: 35, version: ver(32) }),
      phase("final-reads", 100),
      found({ id: 3, start: 101, end: 102, value: "b", version: ver(32) }),
    );
    assertValid(v);
  });

  it("accepts a value from a later put whose outcome is unknown", () => {
    const v = verdictOf(
      ...history,
      put({ id: 4, value: "b", start: 40, end: 50, outcome: "unknown" }),
      phase("final-reads", 100),
      found({ id: 3, start: 101, end: 102, value: "b", version: ver(45) }),
    );
    assertValid(v);
  });

  it("counts a read of the deleted value during a fault apart", () => {
    const v = verdictOf(...history, fault({ id: 1, kind: "pause", start: 38, end: 42 }), found({ id: 3, start: 40, end: 45, value: "a", version: ver(10) }));
    assertValid(v);
    assert.equal(v.counts.staleDuringFaults, 1);
    assert.equal(v.staleDuringFaultsExamples[0]!.kind, "resurrected-delete");
  });

  it("accepts nothing found after the delete", () => {
    assertValid(verdictOf(...history, phase("final-reads", 100), notFound({ id: 3, start: 101, end: 102 })));
  });
});
