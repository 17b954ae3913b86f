import assert from "node:assert/strict";
import { test } from "node:test";
import { partitionRuleset } from "./partition-rules.js";

test("every pair of sides is cut both ways, and nothing else", () => {
  const rules = partitionRuleset([["h1", "h2"], ["h3"]]).split("\n").filter((l) => l.includes("drop"));
  assert.deepEqual(rules.map((r) => r.trim()), [
    'iifname { "h1", "h2" } oifname { "h3" } drop',
    'iifname { "h3" } oifname { "h1", "h2" } drop',
  ]);
});

test("no sides heals: the table is replaced by one without rules", () => {
  const script = partitionRuleset([]);
  assert.ok(!script.includes("drop"));
  assert.match(script, /delete table bridge p2p_partition/);
});

test("a port on two sides or a name that is not an interface is refused", () => {
  assert.throws(() => partitionRuleset([["h1"], ["h1", "h2"]]), /on two sides/);
  assert.throws(() => partitionRuleset([['h1" } accept; #']]), /not an interface name/);
});
