import assert from "node:assert/strict";
import { test } from "node:test";
import { hostAllowed, hostnameOf } from "./host-check.js";

test("hostnameOf reads names, IPv4 and bracketed IPv6, with or without a port", () => {
  assert.equal(hostnameOf("127.0.0.1:7000"), "127.0.0.1");
  assert.equal(hostnameOf("[::1]:7000"), "::1");
  assert.equal(hostnameOf("LocalHost"), "localhost");
  assert.equal(hostnameOf("fleet.example:7000"), "fleet.example");
  for (const bad of [undefined, "", "a b", "x:y", "[zz]:1", "host:123456", "evil.example@127.0.0.1"]) assert.equal(hostnameOf(bad), "", String(bad));
});

test("addresses and localhost pass; a DNS name only when allowed", () => {
  for (const ok of ["127.0.0.1:7000", "[::1]:7000", "localhost:7000", "192.168.1.5:7000", "[2001:db8::1]:7000"]) assert.equal(hostAllowed(ok, []), true, ok);
  assert.equal(hostAllowed("evil.example:7000", []), false);
  assert.equal(hostAllowed("localhost.evil.example:7000", []), false);
  assert.equal(hostAllowed(undefined, []), false);
  assert.equal(hostAllowed("Fleet.Example:7000", ["fleet.example"]), true);
});
