import assert from "node:assert/strict";
import { test } from "node:test";
import type { Contact } from "../types.js";
import { addressGroup } from "./address-diversity.js";
import { sha256Hex } from "./node-id.js";
import { RoutingTable } from "./routing-table.js";

test("public addresses group by IPv4 /24 and IPv6 /48; local ones and names are exempt", () => {
  assert.equal(addressGroup("203.0.113.7:9001"), "203.0.113.0/24");
  assert.equal(addressGroup("203.0.113.250:1"), "203.0.113.0/24");
  assert.equal(addressGroup("198.51.100.1:9001"), "198.51.100.0/24");
  assert.equal(addressGroup("[2001:db8:1:2::5]:9001"), "2001:db8:1::/48");
  assert.equal(addressGroup("[2001:db8:1:ffff::9]:9001"), "2001:db8:1::/48");
  assert.equal(addressGroup("[2001:db8::1]:9001"), "2001:db8:0::/48");
  assert.equal(addressGroup("[::ffff:203.0.113.9]:9001"), "203.0.113.0/24");
  for (const local of ["127.0.0.1:9001", "10.1.2.3:1", "172.20.0.1:1", "192.168.1.1:1", "100.64.1.1:1", "169.254.1.1:1", "[::1]:9001", "[fd00::1]:1", "[fe80::1]:1", "[::ffff:10.0.0.1]:1"]) {
    assert.equal(addressGroup(local), undefined, local);
  }
  for (const name of ["peers.p2p.test:9001", "mem:3", "", "garbage"]) assert.equal(addressGroup(name), undefined, name);
});

/** IDs that all fall in self's farthest bucket: their first bit differs from self's. */
function idsInFarthestBucket(self: string, n: number): string[] {
  const topBit = (id: string) => parseInt(id[0]!, 16) >> 3;
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const id = sha256Hex(`sybil-${i}`);
    if (topBit(id) !== topBit(self)) out.push(id);
  }
  return out;
}

test("a Sybil burst from one /24 gets 2 slots in a bucket and 8 in the table; other ranges and local addresses are unaffected", () => {
  const self = sha256Hex("self");
  const table = new RoutingTable(self);
  const sybils: Contact[] = idsInFarthestBucket(self, 10).map((id, i) => ({ id, address: `203.0.113.${i + 1}:9001`, httpAddress: "" }));
  const results = sybils.map((c) => table.touch(c));
  assert.deepEqual(results.slice(0, 2), ["added", "added"]);
  assert.ok(results.slice(2).every((r) => r === "refused"), results.join(","));
  assert.equal(table.refusedByDiversity, 8);
  // Known contacts of the group are still refreshed.
  assert.equal(table.touch(sybils[0]!), "updated");
  // Another range, and loopback, fill the bucket as usual.
  const others = idsInFarthestBucket(self, 30).slice(10, 14);
  assert.equal(table.touch({ id: others[0]!, address: "198.51.100.1:9001", httpAddress: "" }), "added");
  assert.equal(table.touch({ id: others[1]!, address: "127.0.0.1:9001", httpAddress: "" }), "added");
  assert.equal(table.touch({ id: others[2]!, address: "127.0.0.1:9002", httpAddress: "" }), "added");

  // Table-wide: one /24 spread over many buckets stops at 8.
  const wide = new RoutingTable(self);
  let added = 0;
  for (let i = 0; i < 200; i++) if (wide.touch({ id: sha256Hex(`wide-${i}`), address: `203.0.113.${(i % 250) + 1}:9001`, httpAddress: "" }) === "added") added++;
  assert.equal(added, 8);
  // Replacement caches take no over-limit newcomer either, so an eviction cannot promote one.
  const full = new RoutingTable(self, { diversity: false });
  for (let i = 0; i < 200; i++) full.touch({ id: sha256Hex(`wide-${i}`), address: `203.0.113.${(i % 250) + 1}:9001`, httpAddress: "" });
  assert.ok(full.size > 8, "diversity: false turns the limit off");
});
