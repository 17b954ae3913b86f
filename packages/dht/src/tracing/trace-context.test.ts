import { test } from "node:test";
import assert from "node:assert/strict";
import { formatTraceparent, isTraceId, newSpanId, newTraceId, parseTraceparent } from "./trace-context.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

test("parses a valid traceparent, sampled or not", () => {
  assert.deepEqual(parseTraceparent(`00-${TRACE}-${SPAN}-01`), { traceId: TRACE, spanId: SPAN, sampled: true });
  assert.deepEqual(parseTraceparent(`00-${TRACE}-${SPAN}-00`), { traceId: TRACE, spanId: SPAN, sampled: false });
  // Other flag bits do not hide the sampled bit.
  assert.equal(parseTraceparent(`00-${TRACE}-${SPAN}-03`)?.sampled, true);
  // A future version may append fields.
  assert.equal(parseTraceparent(`01-${TRACE}-${SPAN}-01-extra`)?.traceId, TRACE);
});

test("refuses malformed traceparents", () => {
  const bad = [
    undefined,
    null,
    "",
    "garbage",
    `00-${TRACE}-${SPAN}`, // missing flags
    `00-${TRACE}-${SPAN}-01-extra`, // version 00 has exactly four fields
    `ff-${TRACE}-${SPAN}-01`, // version ff is invalid
    `00-${TRACE.toUpperCase()}-${SPAN}-01`, // uppercase hex
    `00-${"0".repeat(32)}-${SPAN}-01`, // all-zero trace ID
    `00-${TRACE}-${"0".repeat(16)}-01`, // all-zero span ID
    `00-${TRACE.slice(1)}-${SPAN}-01`, // short trace ID
    `00-${TRACE}-${SPAN}x-01`,
    `00-${TRACE}-${SPAN}-1`,
    `0g-${TRACE}-${SPAN}-01`,
    `00-${TRACE}-${SPAN}-zz`,
    "00-" + "a".repeat(600),
  ];
  for (const header of bad) assert.equal(parseTraceparent(header), undefined, String(header));
});

test("formats what it parses, and gives a root context a span ID", () => {
  const header = `00-${TRACE}-${SPAN}-01`;
  assert.equal(formatTraceparent(parseTraceparent(header)!), header);
  const root = formatTraceparent({ traceId: TRACE, spanId: "", sampled: false });
  assert.match(root, /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/);
  assert.ok(parseTraceparent(root));
});

test("fresh IDs are well formed and distinct", () => {
  const a = newTraceId();
  assert.ok(isTraceId(a));
  assert.notEqual(a, newTraceId());
  assert.match(newSpanId(), /^[0-9a-f]{16}$/);
  assert.equal(isTraceId("0".repeat(32)), false);
});
