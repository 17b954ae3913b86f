import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HistoryParseError, parseHistory, type HistoryIssue } from "./parse-history.js";
import { del, fault, found, historyText, notFound, phase, put, ver } from "./testing/history-fixtures.js";

/** Parses text that must be refused and returns its first issue. */
function firstIssue(text: string): HistoryIssue {
  try {
    parseHistory(text);
  } catch (err) {
    assert.ok(err instanceof HistoryParseError, `expected HistoryParseError, got ${String(err)}`);
    return err.issues[0]!;
  }
  assert.fail("the history was accepted");
}

const HEADER = JSON.stringify({ type: "history", version: 1 });

describe("parseHistory", () => {
  it("reads the header, ops of each kind, faults and phases", () => {
    const text = [
      JSON.stringify({ type: "history", version: 1, run: "partition-1", startedAt: "2025-01-02T03:04:05.000Z", meta: { seed: 7 } }),
      JSON.stringify(put({ id: 1, value: "a", start: 0, end: 5, version: ver(100), peer: "p1" })),
      JSON.stringify(del({ id: 2, start: 6, end: 9, outcome: "unknown", error: "deadline exceeded" })),
      JSON.stringify(found({ id: 3, start: 10, end: 12, value: "a", version: ver(100) })),
      JSON.stringify(notFound({ id: "c2-1", key: "other", start: 10, end: 11 })),
      JSON.stringify(fault({ id: 1, kind: "partition", start: 4, end: 8, peers: ["p1", "p2"] })),
      JSON.stringify(phase("final-reads", 20)),
    ].join("\n");
    const h = parseHistory(text);
    assert.equal(h.header.run, "partition-1");
    assert.deepEqual(h.header.meta, { seed: 7 });
    assert.equal(h.ops.length, 4);
    const [p, d, g, n] = h.ops;
    assert.deepEqual(p, { id: 1, client: "c1", key: "k", start: 0, end: 5, outcome: "ok", completed: true, f: "put", value: "a", version: ver(100), peer: "p1", line: 2 });
    assert.equal(d!.outcome, "unknown");
    assert.equal(d!.error, "deadline exceeded");
    assert.deepEqual(g!.f === "get" && g!.result, { found: true, value: "a", version: ver(100) });
    assert.equal(n!.id, "c2-1");
    assert.deepEqual(h.faults, [{ id: 1, kind: "partition", start: 4, end: 8, peers: ["p1", "p2"], line: 6 }]);
    assert.deepEqual(h.phases, { "final-reads": 20 });
    assert.deepEqual(h.warnings, []);
  });

  it("merges an invocation with its completion, and keeps an op never completed as unknown until infinity", () => {
    const h = parseHistory(
      historyText(
        { type: "op", id: 1, client: "c1", f: "put", key: "k", value: "a", start: 0, peer: "p1" },
        { type: "op", id: 2, client: "c2", f: "delete", key: "k", start: 1 },
        put({ id: 1, value: "a", start: 0, end: 4, version: ver(50) }),
      ),
    );
    const [first, second] = h.ops;
    assert.equal(first!.outcome, "ok");
    assert.equal(first!.end, 4);
    assert.equal(first!.peer, "p1", "the invocation's peer is kept when the completion does not repeat it");
    assert.equal(first!.line, 4);
    assert.equal(second!.outcome, "unknown");
    assert.equal(second!.end, Infinity);
    assert.equal(second!.completed, false);
  });

  it("closes a fault window given by a later line, and leaves one without end open", () => {
    const h = parseHistory(
      historyText(
        fault({ id: "f1", kind: "kill", start: 10 }),
        fault({ id: "f2", kind: "pause", start: 12 }),
        fault({ id: "f1", kind: "kill", start: 10, end: 30 }),
      ),
    );
    assert.deepEqual(
      h.faults.map((f) => [f.id, f.end]),
      [
        ["f1", 30],
        ["f2", Infinity],
      ],
    );
  });

  it("accepts CRLF line ends and blank lines, and an iterable of lines", () => {
    const lines = [HEADER, "", JSON.stringify(put({ id: 1, value: "a", start: 0, end: 1 })), "   "];
    assert.equal(parseHistory(lines.join("\r\n")).ops.length, 1);
    assert.equal(parseHistory(lines).ops.length, 1);
  });

  it("skips a last line cut short by a crash, with a warning, but refuses a broken line elsewhere", () => {
    const whole = JSON.stringify(put({ id: 1, value: "a", start: 0, end: 1 }));
    const h = parseHistory(`${HEADER}\n${whole}\n{"type":"op","id":2,"cli`);
    assert.equal(h.ops.length, 1);
    assert.match(h.warnings[0]!, /^line 3: skipped an unterminated last line/);
    const issue = firstIssue(`${HEADER}\n{"type":"op","id":2,"cli\n${whole}\n`);
    assert.equal(issue.line, 2);
    assert.match(issue.message, /^not JSON/);
  });

  describe("refuses, naming the line and field", () => {
    const cases: { name: string; text: string; line: number; field: string; message: RegExp }[] = [
      { name: "an empty file", text: "", line: 1, field: "", message: /empty history/ },
      { name: "a missing header", text: `${JSON.stringify(put({ id: 1, value: "a", start: 0, end: 1 }))}\n`, line: 1, field: "type", message: /first line must be the header/ },
      { name: "another format version", text: `${JSON.stringify({ type: "history", version: 2 })}\n`, line: 1, field: "version", message: /reads history format 1, got 2/ },
      { name: "an unknown event type", text: historyText('{"type":"opp","id":1}'), line: 2, field: "type", message: /must be one of op, fault, phase, got "opp"/ },
      { name: "a missing key", text: historyText('{"type":"op","id":1,"client":"c","f":"get","start":0}'), line: 2, field: "key", message: /missing \(expected a string\)/ },
      {
        name: "a malformed nested version",
        text: historyText({ ...found({ id: 1, start: 0, end: 1, value: "a", version: ver(1) }), result: { found: true, value: "a", version: { wallMs: 1, logical: 1.5, writer: "w" } } } as never),
        line: 2,
        field: "result.version.logical",
        message: /expected an integer, got 1.5/,
      },
      { name: "an unknown function", text: historyText('{"type":"op","id":1,"client":"c","f":"cas","key":"k","start":0}'), line: 2, field: "f", message: /must be one of "put", "get", "delete", got "cas"/ },
      { name: "a misspelt field", text: historyText('{"type":"op","id":1,"client":"c","f":"get","key":"k","start":0,"outcom":"ok"}'), line: 2, field: "outcom", message: /unknown field/ },
      { name: "an ok put without version", text: historyText({ ...put({ id: 1, value: "a", start: 0, end: 1 }), version: undefined } as never), line: 2, field: "version", message: /ok put needs the version/ },
      { name: "a put without value", text: historyText('{"type":"op","id":1,"client":"c","f":"put","key":"k","start":0}'), line: 2, field: "value", message: /put needs the value/ },
      { name: "a get with a value", text: historyText('{"type":"op","id":1,"client":"c","f":"get","key":"k","value":"v","start":0}'), line: 2, field: "value", message: /only a put carries a value/ },
      { name: "a found result without value", text: historyText({ ...notFound({ id: 1, start: 0, end: 1 }), result: { found: true, version: ver(1) } } as never), line: 2, field: "result.value", message: /found result needs the value/ },
      { name: "a failed put with a version", text: historyText({ ...put({ id: 1, value: "a", start: 0, end: 1, outcome: "fail" }), version: ver(1) } as never), line: 2, field: "version", message: /only an ok put carries a version/ },
      { name: "an end before the start", text: historyText(put({ id: 1, value: "a", start: 5, end: 1 })), line: 2, field: "end", message: /1 is before start 5/ },
      { name: "an outcome without end", text: historyText('{"type":"op","id":1,"client":"c","f":"get","key":"k","start":0,"outcome":"fail"}'), line: 2, field: "end", message: /needs its end time/ },
      { name: "a negative id", text: historyText('{"type":"op","id":-1,"client":"c","f":"get","key":"k","start":0}'), line: 2, field: "id", message: /≥ 0/ },
      {
        name: "an op recorded twice",
        text: historyText(put({ id: 1, value: "a", start: 0, end: 1 }), put({ id: 1, value: "b", start: 2, end: 3 })),
        line: 3,
        field: "id",
        message: /op 1 already completed on line 2/,
      },
      {
        name: "a completion that differs from its invocation",
        text: historyText('{"type":"op","id":1,"client":"c1","f":"put","key":"k","value":"a","start":0}', put({ id: 1, key: "other", value: "a", start: 0, end: 1 })),
        line: 3,
        field: "key",
        message: /"other" differs from its invocation on line 2 \("k"\)/,
      },
      { name: "a fault kind that is not a word", text: historyText(fault({ id: 1, kind: "Net Split", start: 0 })), line: 2, field: "kind", message: /lowercase word/ },
      { name: "a fault peer list with an empty ID", text: historyText(fault({ id: 1, kind: "kill", start: 0, peers: ["p1", ""] })), line: 2, field: "peers[1]", message: /must not be empty/ },
      {
        name: "a fault ended twice",
        text: historyText(fault({ id: 1, kind: "kill", start: 0, end: 5 }), fault({ id: 1, kind: "kill", start: 0, end: 6 })),
        line: 3,
        field: "id",
        message: /fault 1 already ended on line 2/,
      },
      { name: "an unknown phase", text: historyText('{"type":"phase","name":"final","at":5}'), line: 2, field: "name", message: /got "final"/ },
      { name: "a phase marked twice", text: historyText(phase("heal", 1), phase("heal", 2)), line: 3, field: "name", message: /already marked on line 2/ },
      { name: "phases out of order", text: historyText(phase("final-reads", 1), phase("heal", 2)), line: 2, field: "at", message: /phase final-reads at 1 comes before phase heal at 2/ },
      { name: "a second header", text: historyText('{"type":"history","version":1}'), line: 2, field: "type", message: /second header/ },
      { name: "a line that is not an object", text: historyText("[1,2]"), line: 2, field: "", message: /expected a JSON object, got an array/ },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const issue = firstIssue(c.text);
        assert.equal(issue.line, c.line);
        assert.equal(issue.field, c.field);
        assert.match(issue.message, c.message);
      });
    }
  });

  it("reports several problems at once, the first in its message", () => {
    const err = (() => {
      try {
        parseHistory(historyText("nope", '{"type":"phase","name":"load"}', put({ id: 1, value: "a", start: 0, end: 1 })));
      } catch (e) {
        return e as HistoryParseError;
      }
      assert.fail("accepted");
    })();
    assert.equal(err.issues.length, 2);
    assert.match(err.message, /^line 2: not JSON .* \(and 1 more problem\)$/);
    assert.deepEqual(err.issues[1], { line: 3, field: "at", message: "missing (expected a number)" });
  });

  it("stops after a bad header rather than report every line", () => {
    const err = (() => {
      try {
        parseHistory(`{"type":"history","version":9}\nnot json\nnot json either\n`);
      } catch (e) {
        return e as HistoryParseError;
      }
      assert.fail("accepted");
    })();
    assert.equal(err.issues.length, 1);
  });
});
