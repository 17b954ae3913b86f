import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkHistory } from "./check-history.js";
import { parseHistory } from "./parse-history.js";
import { del, fault, found, notFound, phase, put, ver, verdictOf } from "./testing/history-fixtures.js";
import { syntheticHistoryText } from "./testing/synthetic-history.js";

describe("checkHistory", () => {
  it("counts every kind, orders anomalies by kind then time, and is valid only without anomalies", () => {
    const v = verdictOf(
      put({ id: 1, key: "a", value: "a1", start: 0, end: 10 }),
      put({ id: 2, key: "a", value: "a2", start: 20, end: 30 }),
      found({ id: 3, key: "a", start: 40, end: 41, value: "a1", version: ver(10) }), // stale
      found({ id: 4, key: "b", start: 40, end: 41, value: "nobody", version: ver(1) }), // phantom
      put({ id: 5, key: "c", value: "c1", start: 0, end: 10 }),
      phase("final-reads", 100),
      notFound({ id: 6, key: "c", start: 101, end: 102 }), // lost
    );
    assert.equal(v.valid, false);
    assert.deepEqual(
      v.anomalies.map((a) => [a.kind, a.key]),
      [
        ["lost-write", "c"],
        ["phantom-value", "b"],
        ["stale-read", "a"],
      ],
    );
    assert.deepEqual(v.counts, {
      "lost-write": 1,
      "resurrected-delete": 0,
      "phantom-value": 1,
      "failed-write-read": 0,
      "stale-read": 1,
      minorityAckLost: 0,
      staleDuringFaults: 0,
    });
  });

  it("keeps only the first few stale-during-faults reads as examples, counting them all", () => {
    const reads = [10, 11, 12].map((t, i) => notFound({ id: 10 + i, start: t + 10, end: t + 11 }));
    const text = [put({ id: 1, value: "a", start: 0, end: 5 }), fault({ id: 1, kind: "kill", start: 15, end: 30 }), ...reads];
    const v = checkHistory(parseHistory(historyOf(text)), { maxStaleDuringFaultsExamples: 2 });
    assert.equal(v.valid, true);
    assert.equal(v.counts.staleDuringFaults, 3);
    assert.equal(v.staleDuringFaultsExamples.length, 2);
  });

  it("warns when there is no final-reads phase, or keys with acknowledged writes had no final read", () => {
    assert.match(verdictOf(put({ id: 1, value: "a", start: 0, end: 1 })).warnings.join("\n"), /no final-reads phase marked/);
    const v = verdictOf(
      put({ id: 1, key: "x", value: "a", start: 0, end: 1 }),
      put({ id: 2, key: "y", value: "b", start: 0, end: 1 }),
      phase("final-reads", 10),
      found({ id: 3, key: "x", start: 11, end: 12, value: "a", version: ver(1) }),
    );
    assert.deepEqual(v.warnings, ["1 of 2 keys with acknowledged writes had no ok final read: their writes were not checked for loss"]);
  });

  it("passes the parser's warnings on", () => {
    const text = `${historyOf([put({ id: 1, value: "a", start: 0, end: 1 }), phase("final-reads", 5)])}{"type":"op","id":2,`;
    assert.match(checkHistory(parseHistory(text)).warnings[0]!, /skipped an unterminated last line/);
  });
});

describe("stats", () => {
  const v = verdictOf(
    fault({ id: 1, kind: "partition", start: 50, end: 70 }),
    fault({ id: 2, kind: "kill", start: 80, end: 85 }),
    put({ id: 1, value: "a", start: 0, end: 10 }),
    put({ id: 2, value: "b", start: 10, end: 30, outcome: "unknown" }),
    del({ id: 3, start: 55, end: 60, outcome: "fail" }),
    notFound({ id: 4, key: "other", start: 60, end: 61 }),
    { type: "op", id: 5, client: "c1", f: "get", key: "k", start: 84 },
    phase("final-reads", 100),
    found({ id: 6, start: 101, end: 105, value: "a", version: ver(10) }),
  );
  const s = v.stats;

  it("counts ops by function and outcome, incomplete ops as unknown", () => {
    assert.equal(s.ops, 6);
    assert.equal(s.incomplete, 1);
    assert.deepEqual(s.byFunction, {
      put: { ok: 1, fail: 0, unknown: 1 },
      get: { ok: 2, fail: 0, unknown: 1 },
      delete: { ok: 0, fail: 1, unknown: 0 },
    });
  });

  it("measures availability overall and during faults", () => {
    assert.equal(s.availability, 3 / 6);
    // ops 3 and 4 overlap the partition; op 5 never completed, so it lasts into the kill that was active when it began.
    assert.equal(s.opsDuringFaults, 3);
    assert.equal(s.availabilityDuringFaults, 1 / 3);
  });

  it("gives nearest-rank latency percentiles of completed ops", () => {
    assert.deepEqual(s.latencyMs, { count: 5, p50: 5, p90: 20, p99: 20, max: 20 });
    assert.deepEqual(s.latencyByFunctionMs.delete, { count: 1, p50: 5, p90: 5, p99: 5, max: 5 });
    assert.deepEqual(s.latencyDuringFaultsMs, { count: 2, p50: 1, p90: 5, p99: 5, max: 5 });
  });

  it("counts keys, final reads and faults", () => {
    assert.equal(s.keys, 2);
    assert.equal(s.keysWithAckedWrites, 1);
    assert.equal(s.keysWithoutFinalRead, 0);
    assert.equal(s.finalReads, 1);
    assert.deepEqual(s.faultsByKind, { partition: 1, kill: 1 });
    assert.equal(s.durationMs, 105);
  });

  it("has no availability or latency for an empty history", () => {
    const empty = verdictOf();
    assert.equal(empty.stats.availability, null);
    assert.equal(empty.stats.latencyMs, null);
    assert.equal(empty.valid, true);
  });
});

describe("checkHistory on a model of a correct store", () => {
  // A linearizable last-writer-wins store under 64 concurrent clients, with unknown and
  // failed outcomes and fault windows: whatever it returns is correct, so any anomaly is a
  // checker bug. The same history with corrupted reads must be caught.
  const options = { ops: 20_000, keys: 500, seed: 7 };

  it("finds no anomaly in a correct history", () => {
    const v = checkHistory(parseHistory(syntheticHistoryText(options)));
    assert.deepEqual(v.anomalies.slice(0, 3), []);
    assert.equal(v.stats.ops, 20_000 + v.stats.keys);
    assert.equal(v.stats.keysWithoutFinalRead, 0);
  });

  it("finds the stale and lost reads injected into it", () => {
    const v = checkHistory(parseHistory(syntheticHistoryText({ ...options, corruptShare: 0.05 })));
    assert.equal(v.valid, false);
    assert.ok(v.counts["stale-read"] + v.counts.staleDuringFaults > 0, "stale reads found");
    assert.ok(v.counts["lost-write"] + v.counts["resurrected-delete"] > 0, "final reads that missed a write found");
    assert.equal(v.counts["phantom-value"], 0);
  });
});

function historyOf(events: object[]): string {
  return `${[{ type: "history", version: 1 }, ...events].map((e) => JSON.stringify(e)).join("\n")}\n`;
}

it("settleMs puts a stale read shortly after a fault down to the fault, never a final read", () => {
  const parse = parseHistory;
  const lines = [
    { type: "history", version: 1 },
    { type: "op", id: 1, client: "a", f: "put", key: "k", value: "v1", start: 0, end: 1, outcome: "ok", version: { wallMs: 1, logical: 0, writer: "w" } },
    { type: "fault", id: 1, kind: "partition", start: 2, end: 10, peers: ["p1"] },
    { type: "op", id: 2, client: "a", f: "put", key: "k", value: "v2", start: 3, end: 4, outcome: "ok", version: { wallMs: 4, logical: 0, writer: "w" } },
    // 2 ms after the fault: stale, excused only with settleMs ≥ 2.
    { type: "op", id: 3, client: "b", f: "get", key: "k", start: 12, end: 13, outcome: "ok", result: { found: true, value: "v1", version: { wallMs: 1, logical: 0, writer: "w" } } },
    { type: "phase", name: "final-reads", at: 20 },
    { type: "op", id: 4, client: "b", f: "get", key: "k", start: 21, end: 22, outcome: "ok", result: { found: true, value: "v2", version: { wallMs: 4, logical: 0, writer: "w" } } },
  ];
  const history = parse(lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  const strict = checkHistory(history);
  assert.equal(strict.counts["stale-read"], 1);
  const settled = checkHistory(history, { settleMs: 5 });
  assert.equal(settled.valid, true);
  assert.equal(settled.counts.staleDuringFaults, 1);
  assert.equal(settled.settleMs, 5);
  assert.throws(() => checkHistory(history, { settleMs: -1 }), /settleMs/);
});
