import assert from "node:assert/strict";
import { test } from "node:test";
import { clientKeyOf } from "./client-key.js";

test("IPv4 and IPv4-mapped addresses are their own key", () => {
  assert.equal(clientKeyOf("127.0.0.1"), "127.0.0.1");
  assert.equal(clientKeyOf("::ffff:10.1.2.3"), "10.1.2.3");
  assert.equal(clientKeyOf("::FFFF:10.1.2.3"), "10.1.2.3");
});

test("IPv6 addresses of one /64 share a key; another /64 does not", () => {
  const a = clientKeyOf("2001:db8:1:2:aaaa:bbbb:cccc:dddd");
  assert.equal(a, "2001:db8:1:2::/64");
  assert.equal(clientKeyOf("2001:db8:1:2::1"), a);
  assert.equal(clientKeyOf("2001:0db8:0001:0002:ffff::"), a);
  assert.notEqual(clientKeyOf("2001:db8:1:3::1"), a);
  assert.equal(clientKeyOf("2001:db8::"), "2001:db8:0:0::/64");
  assert.equal(clientKeyOf("fe80::1%eth0"), "fe80:0:0:0::/64");
  assert.equal(clientKeyOf("64:ff9b::192.0.2.1"), "64:ff9b:0:0::/64");
});

test("loopback ::1 stays itself; an empty or odd address still gets a key", () => {
  assert.equal(clientKeyOf("::1"), "::1");
  assert.equal(clientKeyOf(""), "unknown");
  assert.equal(clientKeyOf("not-an-ip"), "not-an-ip");
});
