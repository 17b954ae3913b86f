import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultPeerPatterns, ipBits, matchesPattern, parsePeerPattern, peerAllowlist } from "./peer-allowlist";

const m = (pattern: string, hostPort: string) => matchesPattern(parsePeerPattern(pattern), hostPort);

test("IPv4 and IPv6 literals parse to the same bits however written", () => {
  assert.equal(ipBits("10.0.0.1")!.bits, 0x0a000001n);
  assert.equal(ipBits("::1")!.bits, 1n);
  assert.equal(ipBits("fd00::1")!.bits, ipBits("fd00:0:0:0:0:0:0:1")!.bits);
  assert.deepEqual(ipBits("::ffff:10.0.0.1"), { family: 4, bits: 0x0a000001n }, "IPv4-mapped is IPv4");
  assert.equal(ipBits("peer.lan"), undefined);
});

test("CIDR patterns, IPv4 and IPv6, with and without a port", () => {
  assert.ok(m("10.213.0.0/16", "10.213.5.9:8001"));
  assert.ok(!m("10.213.0.0/16", "10.214.0.1:8001"));
  assert.ok(m("10.1.2.3", "10.1.2.3:1"));
  assert.ok(!m("10.1.2.3", "10.1.2.4:1"));
  assert.ok(m("fd00:1::/64", "[fd00:1::abcd]:8001"));
  assert.ok(!m("fd00:1::/64", "[fd00:2::abcd]:8001"));
  assert.ok(!m("10.0.0.0/8", "[fd00::1]:1"), "families do not mix");
  assert.ok(m("127.0.0.1:8001", "127.0.0.1:8001"));
  assert.ok(!m("127.0.0.1:8001", "127.0.0.1:8002"), "a port pattern allows that port only");
  assert.ok(m("[::1]:8001", "[::1]:8001"));
  assert.ok(m("0.0.0.0/0", "169.254.169.254:80"));
  assert.throws(() => parsePeerPattern("10.0.0.0/33"), /too long/);
});

test("host name patterns: exact and *. wildcard", () => {
  assert.ok(m("peer-1.lan", "PEER-1.lan:8001"));
  assert.ok(!m("peer-1.lan", "peer-10.lan:8001"));
  assert.ok(m("*.lan", "a.b.lan:1"));
  assert.ok(!m("*.lan", "lan:1"), "the wildcard needs at least one label");
  assert.ok(!m("*.lan", "evil-lan:1"));
  assert.ok(m("*.lan:9000", "x.lan:9000") && !m("*.lan:9000", "x.lan:9001"));
  assert.throws(() => parsePeerPattern("a*b"), /not a CIDR/);
});

test("default: each seed's /24 or /64, loopback only from a loopback seed", () => {
  const allow = peerAllowlist(["10.213.1.2:8001", "[fd00:5::7]:8001"]);
  assert.ok(allow("10.213.1.200:8001"));
  assert.ok(!allow("10.213.2.2:8001"));
  assert.ok(allow("[fd00:5::99]:1"));
  assert.ok(!allow("[fd00:6::7]:8001"));
  assert.ok(!allow("127.0.0.1:8001"), "no loopback without a loopback seed");
  assert.ok(!allow("169.254.169.254:80"));
  assert.ok(!allow("localhost:8001"));
  const local = peerAllowlist(["127.0.0.1:4001"]);
  assert.ok(local("127.0.0.1:4999") && local("localhost:1") && local("[::1]:2"));
  assert.ok(!local("10.0.0.1:4001"));
  assert.equal(defaultPeerPatterns(["peer.lan:1"]).length, 1);
  assert.ok(peerAllowlist(["peer.lan:1"])("peer.lan:2") && !peerAllowlist(["peer.lan:1"])("other.lan:1"));
});

test("an explicit list replaces the default; the seeds themselves stay allowed", () => {
  const allow = peerAllowlist(["127.0.0.1:4001"], "127.0.0.1:4002, *.lan");
  assert.ok(allow("127.0.0.1:4001") && allow("127.0.0.1:4002") && allow("x.lan:1"));
  assert.ok(!allow("127.0.0.1:4003"));
});
