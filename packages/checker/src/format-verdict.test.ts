import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatVerdict } from "./format-verdict.js";
import { fault, found, notFound, phase, put, ver, verdictOf } from "./testing/history-fixtures.js";

describe("formatVerdict", () => {
  it("starts with VALID and the scope when there is no anomaly", () => {
    const text = formatVerdict(verdictOf(put({ id: 1, value: "a", start: 0, end: 1 }), phase("final-reads", 5), found({ id: 2, start: 6, end: 7, value: "a", version: ver(1) })));
    assert.equal(text.split("\n")[0], "VALID: no anomalies in 2 ops on 1 key, 1 final read");
    assert.doesNotMatch(text, /anomalies:/);
    assert.match(text, /^ {2}availability 100\.0% overall, no op during a fault$/m);
    assert.match(text, /^ {2}latency p50 1 ms, p90 1 ms, p99 1 ms, max 1 ms \(2 ops\); during faults none$/m);
    assert.ok(text.endsWith("\n"));
  });

  it("explains each anomaly with the operations and faults that prove it", () => {
    const v = verdictOf(
      fault({ id: "p1", kind: "partition", start: 5, end: 50, peers: ["p1", "p2"] }),
      put({ id: 1, value: "a", start: 10, end: 20, peer: "p1" }),
      put({ id: 2, key: "j", value: "b", start: 10, end: 20 }),
      notFound({ id: 4, key: "j", start: 50, end: 51 }),
      phase("final-reads", 100),
      notFound({ id: 5, start: 101, end: 102 }),
      found({ id: 6, key: "j", start: 101, end: 102, value: "b", version: ver(20) }),
    );
    const lines = formatVerdict(v).split("\n");
    assert.equal(lines[0], "INVALID: 1 anomaly (1 lost-write) in 5 ops on 2 keys, 2 final reads");
    assert.ok(lines.includes("  lost-write                 1"));
    assert.ok(lines.includes("  stale during faults        1  (not anomalies)"));

    const at = lines.indexOf("anomalies:");
    assert.ok(at > 0);
    assert.match(lines[at + 1]!, /^ {2}lost-write \[minority-ack-lost\]: final get 5 on key "k" .* put 1 .*partition "p1"$/);
    assert.match(lines[at + 2]!, /^ {6}read +get 5 +client c1 +\[101, 102\] +ok +→ not found +\(line 7\)$/);
    assert.match(lines[at + 3]!, /^ {6}missed-write +put 1 +client c1 +\[10, 20\] +ok +value "a" +version 20\.0@w1 +peer p1 +\(line 3\)$/);
    assert.match(lines[at + 4]!, /^ {6}fault +partition "p1" +\[5, 50\] +peers p1,p2$/);

    const stale = lines.indexOf("stale reads during faults (not anomalies; 1 of 1 shown):");
    assert.ok(stale > at);
    assert.match(lines[stale + 1]!, /^ {2}stale-read: get 4 on key "j" .* overlapped fault "p1" \(partition\)$/);
  });

  it("shows at most maxPerKind anomalies of a kind and counts the rest", () => {
    const reads = [1, 2, 3].map((i) => found({ id: 10 + i, start: 20 + i, end: 21 + i, value: `ghost${i}`, version: ver(1) }));
    const text = formatVerdict(verdictOf(put({ id: 1, value: "a", start: 0, end: 1 }), ...reads), { maxPerKind: 2 });
    assert.equal((text.match(/^ {2}phantom-value: /gm) ?? []).length, 2);
    assert.match(text, /^ {2}… and 1 more phantom-value$/m);
  });

  it("lists the verdict's warnings", () => {
    assert.match(formatVerdict(verdictOf(put({ id: 1, value: "a", start: 0, end: 1 }))), /^warnings:\n {2}- no final-reads phase marked/m);
  });
});
