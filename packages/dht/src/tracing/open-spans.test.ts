import assert from "node:assert/strict";
import { test } from "node:test";
import { OpenSpans } from "./open-spans.js";
import { Tracer } from "./tracer.js";

const T = "4bf92f3577b34da6a3ce929d0e0e4736";

test("a trace settles when its last open span ends; waiting on a closed trace answers at once", async () => {
  const open = new OpenSpans();
  assert.equal(await open.settled(T, 10), true, "nothing open");
  open.started(T);
  open.started(T);
  let settled: boolean | undefined;
  const waiting = open.settled(T, 5000).then((v) => (settled = v));
  open.ended(T);
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, undefined, "one span still open");
  open.ended(T);
  assert.equal(await waiting, true);
  assert.equal(open.count(T), 0);
});

test("waiting ends at the timeout or on abort, answering false", async () => {
  const open = new OpenSpans();
  open.started(T);
  assert.equal(await open.settled(T, 20), false);
  const ac = new AbortController();
  const waiting = open.settled(T, 5000, ac.signal);
  ac.abort();
  assert.equal(await waiting, false);
  open.ended(T);
  assert.equal(open.count(T), 0);
});

test("bounded: a trace beyond maxTraces is not counted, and waiting on it answers at once", async () => {
  const open = new OpenSpans(1);
  const other = "0af7651916cd43dd8448eb211c80319c";
  assert.equal(open.started(T), true);
  assert.equal(open.started(other), false);
  assert.equal(open.started(T), true, "a counted trace's further spans still count");
  assert.equal(open.count(T), 2);
  assert.equal(await open.settled(other, 5000), true);
});

test("the tracer counts a span open from start to end, once however often it is ended", () => {
  const tracer = new Tracer("a".repeat(64), () => {});
  const span = tracer.start("step", { traceId: T, spanId: "", sampled: true });
  assert.equal(tracer.open.count(T), 1);
  span.end();
  span.end();
  assert.equal(tracer.open.count(T), 0);
  tracer.mark("quorum", { traceId: T, spanId: "", sampled: true });
  assert.equal(tracer.open.count(T), 0);
});
