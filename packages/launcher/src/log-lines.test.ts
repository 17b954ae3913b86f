import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LineRing, LineSplitter } from "./log-lines.js";

describe("LineRing", () => {
  test("keeps the most recent lines in order", () => {
    const ring = new LineRing(3);
    for (const l of ["a", "b", "c", "d", "e"]) ring.push(l);
    assert.deepEqual(ring.recent(), ["c", "d", "e"]);
    assert.deepEqual(ring.recent(2), ["d", "e"]);
    assert.deepEqual(ring.recent(0), []);
    assert.equal(ring.total, 5);
  });

  test("before it wraps", () => {
    const ring = new LineRing(3);
    ring.push("a");
    assert.deepEqual(ring.recent(10), ["a"]);
  });

  test("rejects a non-positive capacity", () => {
    assert.throws(() => new LineRing(0), /capacity/);
  });
});

describe("LineSplitter", () => {
  test("joins chunks and splits lines", () => {
    const out: string[] = [];
    const s = new LineSplitter(100, (l) => out.push(l));
    s.write("ab");
    s.write("c\nde\r\nf");
    s.end();
    assert.deepEqual(out, ["abc", "de", "f"]);
  });

  test("truncates a long line and drops its rest", () => {
    const out: string[] = [];
    const s = new LineSplitter(4, (l) => out.push(l));
    s.write("123");
    s.write("45678");
    s.write("9\nok\n");
    assert.deepEqual(out, ["1234…", "ok"]);
  });
});
