import { test } from "node:test";
import assert from "node:assert/strict";
import { readConfig } from "./config";

test("reads the environment with defaults", () => {
  assert.deepEqual(readConfig({}), { fleetUrl: undefined, fleetToken: undefined, seeds: [], timeoutMs: 800 });
  assert.deepEqual(readConfig({ FLEET_URL: "http://127.0.0.1:7000/", FLEET_TOKEN: "t", DASHBOARD_PEERS: "127.0.0.1:4001, [::1]:4002", DASHBOARD_TIMEOUT_MS: "1500" }),
    { fleetUrl: "http://127.0.0.1:7000", fleetToken: "t", seeds: ["127.0.0.1:4001", "[::1]:4002"], timeoutMs: 1500 });
});

test("bad values are rejected naming the variable", () => {
  assert.throws(() => readConfig({ FLEET_URL: "not a url" }), /^Error: FLEET_URL:/);
  assert.throws(() => readConfig({ FLEET_URL: "ftp://x" }), /^Error: FLEET_URL: must be http/);
  assert.throws(() => readConfig({ DASHBOARD_PEERS: "127.0.0.1" }), /^Error: DASHBOARD_PEERS: "127.0.0.1" is not host:port/);
  assert.throws(() => readConfig({ DASHBOARD_PEERS: "h:70000" }), /DASHBOARD_PEERS/);
  assert.throws(() => readConfig({ DASHBOARD_TIMEOUT_MS: "fast" }), /^Error: DASHBOARD_TIMEOUT_MS/);
});
