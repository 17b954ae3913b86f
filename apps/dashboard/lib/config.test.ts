import { test } from "node:test";
import assert from "node:assert/strict";
import { readConfig } from "./config";

const plain = (c: ReturnType<typeof readConfig>) => ({ ...c, allowPeer: undefined });

test("reads the environment with defaults", () => {
  assert.deepEqual(plain(readConfig({})), { fleetUrl: undefined, fleetToken: undefined, seeds: [], timeoutMs: 800, allowPeer: undefined, maxDownloadBytes: 2 ** 30 });
  const c = readConfig({ FLEET_URL: "http://127.0.0.1:7000/", FLEET_TOKEN: "t", DASHBOARD_PEERS: "127.0.0.1:4001, [::1]:4002", DASHBOARD_TIMEOUT_MS: "1500", DASHBOARD_MAX_DOWNLOAD_BYTES: "1000" });
  assert.deepEqual(plain(c), { fleetUrl: "http://127.0.0.1:7000", fleetToken: "t", seeds: ["127.0.0.1:4001", "[::1]:4002"], timeoutMs: 1500, allowPeer: undefined, maxDownloadBytes: 1000 });
  assert.equal(c.allowPeer("127.0.0.1:9999"), true, "a loopback seed allows loopback");
  assert.equal(c.allowPeer("169.254.169.254:80"), false);
  const explicit = readConfig({ DASHBOARD_PEERS: "10.0.0.5:4001", DASHBOARD_PEER_ALLOW: "10.9.0.0/16" });
  assert.equal(explicit.allowPeer("10.9.3.4:1"), true);
  assert.equal(explicit.allowPeer("10.0.0.6:4001"), false, "an explicit list replaces the default /24");
  assert.equal(explicit.allowPeer("10.0.0.5:4001"), true, "seeds stay allowed");
});

test("bad values are rejected naming the variable", () => {
  assert.throws(() => readConfig({ FLEET_URL: "not a url" }), /^Error: FLEET_URL:/);
  assert.throws(() => readConfig({ FLEET_URL: "ftp://x" }), /^Error: FLEET_URL: must be http/);
  assert.throws(() => readConfig({ DASHBOARD_PEERS: "127.0.0.1" }), /^Error: DASHBOARD_PEERS: "127.0.0.1" is not host:port/);
  assert.throws(() => readConfig({ DASHBOARD_PEERS: "h:70000" }), /DASHBOARD_PEERS/);
  assert.throws(() => readConfig({ DASHBOARD_TIMEOUT_MS: "fast" }), /^Error: DASHBOARD_TIMEOUT_MS/);
  assert.throws(() => readConfig({ DASHBOARD_PEER_ALLOW: "10.0.0.0/40" }), /^Error: DASHBOARD_PEER_ALLOW:/);
  assert.throws(() => readConfig({ DASHBOARD_PEER_ALLOW: "a b" }), /^Error: DASHBOARD_PEER_ALLOW:/);
  assert.throws(() => readConfig({ DASHBOARD_MAX_DOWNLOAD_BYTES: "-1" }), /^Error: DASHBOARD_MAX_DOWNLOAD_BYTES/);
});
