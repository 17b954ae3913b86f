import { test } from "node:test";
import assert from "node:assert/strict";
import type { FinishedSpan } from "@p2p/dht";
import { TraceStore, type EvictionReason } from "./trace-store.js";

const span = (traceId: string, spanId: string, startMs = 0): FinishedSpan => ({
  traceId,
  spanId,
  name: "get",
  kind: "internal",
  peerId: "p".repeat(64),
  startMs,
  durationMs: 1,
  attributes: {},
  status: "ok",
});

test("keeps at most maxTraces, evicting the oldest and counting it", () => {
  const evicted: EvictionReason[] = [];
  const store = new TraceStore({ maxTraces: 2 }, { onEvict: (r) => evicted.push(r) });
  store.add(span("a", "1"));
  store.add(span("b", "1"));
  store.add(span("a", "2")); // same trace: no new entry
  assert.equal(store.size, 2);
  store.add(span("c", "1"));
  assert.equal(store.size, 2);
  assert.deepEqual(store.get("a"), []);
  assert.equal(store.get("b").length, 1);
  assert.equal(store.get("c").length, 1);
  assert.deepEqual(evicted, ["count"]);
});

test("forgets traces older than the TTL", () => {
  let now = 1000;
  const evicted: EvictionReason[] = [];
  const store = new TraceStore({ ttlMs: 100 }, { now: () => now, onEvict: (r) => evicted.push(r) });
  store.add(span("a", "1"));
  now = 1050;
  store.add(span("b", "1"));
  assert.equal(store.get("a").length, 1);
  now = 1100;
  assert.deepEqual(store.get("a"), []);
  assert.equal(store.get("b").length, 1);
  now = 1151;
  assert.deepEqual(store.get("b"), []);
  assert.equal(store.size, 0);
  assert.deepEqual(evicted, ["ttl", "ttl"]);
});

test("bounds the spans of one trace and sorts them by start", () => {
  const evicted: EvictionReason[] = [];
  const store = new TraceStore({ maxSpansPerTrace: 2 }, { onEvict: (r) => evicted.push(r) });
  store.add(span("a", "late", 5));
  store.add(span("a", "early", 1));
  store.add(span("a", "dropped", 0));
  assert.deepEqual(store.get("a").map((s) => s.spanId), ["early", "late"]);
  assert.deepEqual(evicted, ["spans"]);
});

test("maxTraces 0 keeps nothing", () => {
  const store = new TraceStore({ maxTraces: 0 });
  store.add(span("a", "1"));
  assert.equal(store.size, 0);
});
