/**
 * The admin surface seen from another machine: a peer on one test host, called from the
 * observer's address (not loopback). Leave, Repair and the fault calls are refused without the
 * admin token and served with it; the public API answers as before; Leave is no longer part of
 * NodeService at all.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { adminClient, nodeClient } from "@p2p/launcher";
import { createTestHosts, namespacesUnavailable, type TestHosts } from "@p2p/netns";
import { HostPeers } from "./host-peers.js";

const skip = await namespacesUnavailable();
if (skip) console.log(`# admin surface test skipped: ${skip}`);

const TOKEN = "0123456789abcdef0123456789abcdef-admin";

describe("AdminService from another host", { skip }, () => {
  let hosts: TestHosts;
  let peers: HostPeers;

  before(async () => {
    hosts = await createTestHosts({ count: 2 });
    peers = await HostPeers.start(hosts, { args: ["--log-level", "warn"] });
    // The second peer restarts with an admin token.
    await peers.peer("h2").stop(5000);
    const tokenFile = join(peers.dir, "admin-token");
    await writeFile(tokenFile, TOKEN + "\n", { mode: 0o600 });
    await peers.startOn("h2", ["--admin-token-file", tokenFile]);
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
    await assert.rejects(adminClient(address).leave({}), refused(Code.PermissionDenied, /Leave is an admin call: accepted from this machine only .* not from 10\./));
    await assert.rejects(adminClient(address).repair({}), refused(Code.PermissionDenied, /Repair is an admin call/));
    await assert.rejects(adminClient(address, { token: TOKEN }).leave({}), refused(Code.PermissionDenied, /only/), "a token the peer does not have is no use");
    const res = await fetch(`http://${address}/p2p.v1.NodeService/Leave`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    assert.equal(res.status, 404, "Leave is not a NodeService method any more");
    const client = nodeClient(address);
    await client.put({ key: "admin/still-here", value: "yes" });
    assert.equal((await client.get({ key: "admin/still-here" })).value, "yes");
    assert.equal((await fetch(`http://${address}/healthz`)).status, 200, "the peer did not leave");
  });

  test("with the peer's admin token, Repair and GetFaults are served off loopback; a wrong token is refused", { timeout: 60_000 }, async () => {
    const address = peers.peer("h2").httpAddress!;
    await assert.rejects(adminClient(address, { token: TOKEN.replace("0", "1") }).repair({}), refused(Code.PermissionDenied, /or with "authorization: Bearer <admin token>"/));
    const repaired = await adminClient(address, { token: TOKEN, timeoutMs: 30_000 }).repair({});
    assert.ok(repaired.health);
    assert.equal((await adminClient(address, { token: TOKEN }).getFaults({})).enabled, false);
  });
});
