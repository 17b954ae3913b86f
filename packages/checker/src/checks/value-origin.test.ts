import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { found, put, ver, verdictOf } from "../testing/history-fixtures.js";

describe("phantom-value", () => {
  it("flags a read of a value no put on the key wrote", () => {
    const v = verdictOf(put({ id: 1, value: "a", start: 0, end: 10 }), found({ id: 2, start: 20, end: 21, value: "zz", version: ver(15) }));
    assert.deepEqual(
      v.anomalies.map((a) => a.kind),
      ["phantom-value"],
    );
    const [a] = v.anomalies;
    assert.equal(a!.key, "k");
    assert.match(a!.explanation, /^get 2 on key "k" returned "zz" \(version 15\.0@w1\), which no put on this key wrote$/);
    assert.deepEqual(
      a!.ops.map((op) => [op.role, op.id]),
      [["read", 2]],
    );
  });

  it("names the put that wrote the value to another key", () => {
    const v = verdictOf(put({ id: 1, key: "other", value: "x", start: 0, end: 10 }), found({ id: 2, start: 20, end: 21, value: "x", version: ver(10) }));
    assert.match(v.anomalies[0]!.explanation, /; put 1 wrote it to key "other"$/);
    assert.deepEqual(
      v.anomalies[0]!.ops.map((op) => [op.role, op.id]),
      [
        ["read", 2],
        ["source-write", 1],
      ],
    );
  });

  it("reports a phantom once, not also as a stale read", () => {
    const v = verdictOf(put({ id: 1, value: "a", start: 0, end: 10 }), found({ id: 2, start: 20, end: 21, value: "zz", version: ver(1) }));
    assert.equal(v.anomalies.length, 1);
    assert.equal(v.counts["stale-read"], 0);
  });

  it("accepts a value written by a put whose outcome is unknown, even one never completed", () => {
    const v = verdictOf(
      put({ id: 1, value: "a", start: 0, end: 10, outcome: "unknown" }),
      { type: "op", id: 2, client: "c2", f: "put", key: "k", value: "b", start: 5 },
      found({ id: 3, start: 20, end: 21, value: "a", version: ver(8) }),
      found({ id: 4, start: 22, end: 23, value: "b", version: ver(9) }),
    );
    assert.deepEqual(v.anomalies, []);
  });
});

describe("failed-write-read", () => {
  it("flags a read of a value only a refused put wrote", () => {
    const v = verdictOf(put({ id: 1, value: "a", start: 0, end: 10, outcome: "fail" }), found({ id: 2, start: 20, end: 21, value: "a", version: ver(5) }));
    assert.deepEqual(
      v.anomalies.map((a) => a.kind),
      ["failed-write-read"],
    );
    assert.match(v.anomalies[0]!.explanation, /^get 2 on key "k" returned "a", written only by put 1 whose outcome was fail/);
  });

  it("accepts the value when another attempt to write it did not fail", () => {
    const v = verdictOf(
      put({ id: 1, value: "a", start: 0, end: 10, outcome: "fail" }),
      put({ id: 2, value: "a", start: 11, end: 12, outcome: "unknown" }),
      found({ id: 3, start: 20, end: 21, value: "a", version: ver(11) }),
    );
    assert.deepEqual(v.anomalies, []);
  });
});
