/**
 * The admin surface seen from another machine: peers on test hosts (started with an admin
 * token file, as HostPeers does), called from the observer's address (not loopback). Leave,
 * Repair and the fault calls are refused without the token or with a wrong one, and served
 * with it; the public API answers as before; Leave is no longer part of NodeService at all.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { adminClient, nodeClient } from "@p2p/launcher";
import { createTestHosts, namespacesUnavailable, type TestHosts } from "@p2p/netns";
import { HostPeers } from "./host-peers.js";

const skip = await namespacesUnavailable();
if (skip) console.log(`# admin surface test skipped: ${skip}`);

describe("AdminService from another host", { skip }, () => {
  let hosts: TestHosts;
  let peers: HostPeers;

  before(async () => {
    hosts = await createTestHosts({ count: 2 });
    peers = await HostPeers.start(hosts, { args: ["--log-level", "warn"] });
  });
  after(async () => {
    await peers?.stop();
    await hosts?.destroy();
  });

  const refused = (code: Code, pattern: RegExp) => (err: unknown) => {
    const e = ConnectError.from(err);
    assert.equal(e.code, code, e.message);
    assert.match(e.rawMessage, pattern);
    return true;
  };

  test("without a token, Leave and Repair are refused off loopback and the peer keeps serving", { timeout: 60_000 }, async () => {
    const address = peers.peer("h1").httpAddress!;
    await assert.rejects(adminClient(address).leave({}), refused(Code.PermissionDenied, /^Leave is an admin call: accepted from this machine or with "authorization: Bearer <admin token>", not from \d+\./));
    await assert.rejects(adminClient(address).repair({}), refused(Code.PermissionDenied, /Repair is an admin call/));
    const res = await fetch(`http://${address}/p2p.v1.NodeService/Leave`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    assert.equal(res.status, 404, "Leave is not a NodeService method any more");
    const client = nodeClient(address);
    await client.put({ key: "admin/still-here", value: "yes" });
    assert.equal((await client.get({ key: "admin/still-here" })).value, "yes");
    assert.equal((await fetch(`http://${address}/healthz`)).status, 200, "the peer did not leave");
  });

  test("with the peers' admin token, Repair and GetFaults are served off loopback; a wrong token is refused", { timeout: 60_000 }, async () => {
    const address = peers.peer("h2").httpAddress!;
    const wrong = peers.adminToken.replace(/^./, (c) => (c === "0" ? "1" : "0"));
    await assert.rejects(adminClient(address, { token: wrong }).repair({}), refused(Code.PermissionDenied, /or with "authorization: Bearer <admin token>"/));
    const repaired = await adminClient(address, { token: peers.adminToken, timeoutMs: 30_000 }).repair({});
    assert.ok(repaired.health);
    assert.equal((await adminClient(address, { token: peers.adminToken }).getFaults({})).enabled, false);
  });
});
