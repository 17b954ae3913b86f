import assert from "node:assert/strict";
import { test } from "node:test";
import { Counter, Registry } from "prom-client";
import { childCache } from "./label-children.js";

test("a child is made once per label set, and the cache stays within its bound", () => {
  let made = 0;
  const child = childCache((a, b) => ({ a, b, n: ++made }), 2);
  assert.equal(child("x", "y"), child("x", "y"));
  assert.equal(made, 1);
  // The separator keeps ("x", "yz") and ("xy", "z") apart.
  assert.notEqual(child("x", "yz").n, child("xy", "z").n);
  assert.equal(made, 3);
  child("p", "q");
  child("p", "q");
  assert.equal(made, 5, "beyond the bound a child is made afresh each time");
});

test("counts through cached children are the counts of the labels", async () => {
  const registry = new Registry();
  const c = new Counter({ name: "t_total", help: "t", labelNames: ["m", "code"] as const, registers: [registry] });
  const child = childCache((m, code) => c.labels(m!, code!));
  child("Ping", "ok").inc();
  child("Ping", "ok").inc();
  child("Ping", "unavailable").inc();
  const values = (await c.get()).values.map((v) => [v.labels.m, v.labels.code, v.value]);
  assert.deepEqual(values, [["Ping", "ok", 2], ["Ping", "unavailable", 1]]);
});
