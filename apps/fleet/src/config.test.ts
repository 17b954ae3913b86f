import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isLoopbackHost, parseFleetArgs } from "./config.js";

describe("parseFleetArgs", () => {
  test("defaults", () => {
    const c = parseFleetArgs([], "/repo");
    assert.equal(c.host, "127.0.0.1");
    assert.equal(c.port, 7000);
    assert.equal(c.dir, "/repo/.fleet");
    assert.equal(c.initialPeers, 5);
    assert.equal(c.maxPeers, 200);
    assert.deepEqual(c.peerDefaults, {});
  });

  test("the issue's example and peer pass-through", () => {
    const c = parseFleetArgs(
      ["--peers", "5", "--port", "7000", "--dir", ".fleet", "--replication-factor", "3", "--write-quorum", "2", "--log-level", "debug"],
      "/repo",
    );
    assert.equal(c.initialPeers, 5);
    assert.deepEqual(c.peerDefaults, { replicationFactor: 3, writeQuorum: 2, logLevel: "debug" });
  });

  test("--peer-node-flags: space-separated node flags, empty for none, anything else refused", () => {
    assert.equal(parseFleetArgs([]).peerNodeArgs, undefined);
    assert.deepEqual(parseFleetArgs(["--peer-node-flags=--max-semi-space-size=2  --optimize-for-size"]).peerNodeArgs, ["--max-semi-space-size=2", "--optimize-for-size"]);
    assert.deepEqual(parseFleetArgs(["--peer-node-flags", ""]).peerNodeArgs, []);
    assert.throws(() => parseFleetArgs(["--peer-node-flags=--x evil.js"]), /--peer-node-flags: .*"evil.js"/);
  });

  test("bad input names the flag", () => {
    assert.throws(() => parseFleetArgs(["--peers", "-1"]), /--peers/);
    assert.throws(() => parseFleetArgs(["--peers", "abc"]), /--peers: expected an integer/);
    assert.throws(() => parseFleetArgs(["--port", "70000"]), /--port/);
    assert.throws(() => parseFleetArgs(["--peers", "50", "--max-peers", "10"]), /--peers: 50 exceeds --max-peers/);
    assert.throws(() => parseFleetArgs(["--replication-factor", "2", "--write-quorum", "3"]), /--write-quorum: must not exceed/);
    assert.throws(() => parseFleetArgs(["--write-quorum", "1", "--read-quorum", "1"]), /--write-quorum: writeQuorum \+ readQuorum must exceed replicationFactor \(3\)/);
    assert.deepEqual(parseFleetArgs(["--write-quorum", "1", "--read-quorum", "1", "--consistency", "weak"]).peerDefaults, { writeQuorum: 1, readQuorum: 1, consistency: "weak" });
    assert.throws(() => parseFleetArgs(["--consistency", "eventual"]), /--consistency: /);
    assert.throws(() => parseFleetArgs(["--log-level", "loud"]), /--log-level/);
    assert.throws(() => parseFleetArgs(["--nope"]), /--nope/);
    assert.throws(() => parseFleetArgs(["--dir", " "]), /--dir: must not be empty/);
  });

  test("--allowed-host: repeatable DNS names", () => {
    assert.deepEqual(parseFleetArgs([]).allowedHosts, []);
    assert.deepEqual(parseFleetArgs(["--allowed-host", "a.example", "--allowed-host", "b"]).allowedHosts, ["a.example", "b"]);
    assert.throws(() => parseFleetArgs(["--allowed-host", "evil.example:7000"]), /--allowed-host: expected a DNS name/);
  });

  test("peer ports: 8001… and 9001… unless set; 0 lets the OS pick", () => {
    assert.deepEqual(parseFleetArgs([]).peerPortBases, { http: 8001, grpc: 9001 });
    assert.deepEqual(parseFleetArgs(["--http-port-base", "0", "--grpc-port-base", "19001"]).peerPortBases, { http: 0, grpc: 19001 });
    assert.throws(() => parseFleetArgs(["--http-port-base", "70000"]), /--http-port-base: expected an integer from 0 to 65535, got "70000"/);
    assert.throws(() => parseFleetArgs(["--grpc-port-base", "x"]), /--grpc-port-base: expected an integer/);
  });
});

test("isLoopbackHost", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "::1", "localhost"]) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ["0.0.0.0", "::", "192.168.1.2", "example.org"]) assert.equal(isLoopbackHost(h), false, h);
});

test("--network-key and --insecure pass through to every peer, and not together", async () => {
  const { peerSettingArgs } = await import("./peer-settings.js");
  const keyed = parseFleetArgs(["--network-key", "keys/net.key"], "/srv/fleet");
  assert.equal(keyed.peerDefaults.networkKeyFile, "/srv/fleet/keys/net.key");
  assert.deepEqual(peerSettingArgs(keyed.peerDefaults), ["--network-key", "/srv/fleet/keys/net.key"]);
  assert.deepEqual(peerSettingArgs(parseFleetArgs(["--insecure"]).peerDefaults), ["--insecure"]);
  assert.deepEqual(peerSettingArgs(parseFleetArgs([]).peerDefaults), []);
  assert.throws(() => parseFleetArgs(["--insecure", "--network-key", "k"]), /--network-key: needs TLS/);
});
