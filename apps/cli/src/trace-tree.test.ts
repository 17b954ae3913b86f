import { test } from "node:test";
import assert from "node:assert/strict";
import { formatMs, renderTraceTree, type TraceNode } from "./trace-tree.js";
import { groupRounds, lookupTree, type LookupStepData } from "./lookup-trace.js";

test("renders nested nodes with box characters, outcome, time and details", () => {
  const tree: TraceNode = {
    label: "lookup abc",
    ms: 12.34,
    children: [
      { label: "round 1", children: [{ label: "peer a", outcome: "ok", ms: 1.5 }, { label: "peer b", outcome: "failed: unavailable", ms: 250, details: ["sent at +0.1 ms"] }] },
      { label: "round 2", children: [{ label: "peer c", outcome: "had record", ms: 0.5 }] },
    ],
  };
  assert.equal(
    renderTraceTree(tree),
    [
      "lookup abc — 12.3 ms",
      "├─ round 1",
      "│  ├─ peer a — ok, 1.50 ms",
      "│  └─ peer b — failed: unavailable, 250 ms (sent at +0.1 ms)",
      "└─ round 2",
      "   └─ peer c — had record, 0.50 ms",
    ].join("\n"),
  );
});

test("a lone root renders as one line; odd durations do not crash", () => {
  assert.equal(renderTraceTree({ label: "x" }), "x");
  assert.equal(formatMs(Number.NaN), "? ms");
  assert.equal(formatMs(1234.4), "1234 ms");
});

const step = (peerId: string, sentAtMs: number, durationMs: number, extra: Partial<LookupStepData> = {}): LookupStepData => ({
  peerId,
  address: "",
  sentAtMs,
  durationMs,
  ok: true,
  error: "",
  closerContacts: 0,
  hadRecord: false,
  ...extra,
});

test("steps sent before any answer share a round; a step sent after an answer starts the next", () => {
  const rounds = groupRounds([step("a", 0, 5), step("b", 0.2, 7), step("c", 0.3, 3), step("d", 3.5, 1), step("e", 4, 1)]);
  assert.deepEqual(rounds.map((r) => r.map((s) => s.peerId)), [["a", "b", "c"], ["d", "e"]]);
});

test("the lookup tree shows each contact's outcome", () => {
  const tree = lookupTree({
    target: "f".repeat(64),
    totalMs: 9,
    hops: 2,
    steps: [step("1".repeat(64), 0, 2, { closerContacts: 3 }), step("2".repeat(64), 2.5, 1, { hadRecord: true }), step("3".repeat(64), 2.6, 4, { ok: false, error: "deadline_exceeded" })],
  });
  const text = renderTraceTree(tree);
  assert.match(text, /^lookup ffffffffffff… — 3 requests, 2 hops, 9\.00 ms/);
  assert.match(text, /round 1[^\n]*\n│  └─ peer 111111111111… — 3 closer contacts, 2\.00 ms/);
  assert.match(text, /peer 222222222222… — had record/);
  assert.match(text, /peer 333333333333… — failed: deadline_exceeded/);
  assert.equal(tree.children?.length, 2);
});
