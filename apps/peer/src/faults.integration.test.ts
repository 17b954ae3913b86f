/**
 * Fault injection in real peer processes: SetFaults/GetFaults over Connect (JSON, as curl
 * sends it), refused unless the peer was started with --fault-injection, validated field by
 * field; a partition set on both sides black-holes calls, and a skewed clock gets writes refused.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { adminClient, nodeClient, startNetwork, waitFor, type AdminClient, type Network, type NodeClient } from "@p2p/launcher";

describe("fault injection on real peers", () => {
  let net: Network;
  let clients: NodeClient[];
  let admins: AdminClient[];
  before(async () => {
    net = await startNetwork(3, { peer: { args: ["--fault-injection", "--rpc-timeout-ms", "300"] } });
    await net.add({ args: [] });
    clients = net.peers.map((p) => nodeClient(p.httpAddress!));
    admins = net.peers.map((p) => adminClient(p.httpAddress!));
    await waitFor(async () => (await clients[0]!.info({})).contacts === 3, { what: "full routing tables" });
  });
  after(() => net?.stop());

  test("a peer started without --fault-injection refuses SetFaults and says how to turn it on", async () => {
    await assert.rejects(admins[3]!.setFaults({ rules: { dropPeers: [net.peers[0]!.id!] } }), (e: unknown) => {
      const err = ConnectError.from(e);
      return err.code === Code.FailedPrecondition && /start the peer with --fault-injection/.test(err.rawMessage);
    });
    assert.equal((await admins[3]!.getFaults({})).enabled, false);
  });

  test("bad rules are INVALID_ARGUMENT naming the field, over plain JSON as curl sends it", async () => {
    const res = await fetch(`http://${net.peers[0]!.httpAddress}/p2p.v1.AdminService/SetFaults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ rules: { dropPeers: ["not-a-peer"] } }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(body.code, "invalid_argument");
    assert.match(body.message, /^dropPeers\[0\]: must be a peer ID/);
    await assert.rejects(admins[0]!.setFaults({ rules: { delays: [{ peerId: "*", delayMs: 120_000 }] } }), (e: unknown) => ConnectError.from(e).code === Code.InvalidArgument);
    assert.deepEqual((await admins[0]!.getFaults({})).rules?.dropPeers, [], "nothing was applied");
  });

  test("a partition of one peer: calls to it are lost, writes go on through the others, healing restores it", async () => {
    const [a, b, c] = net.peers.map((p) => p.id!);
    await admins[0]!.setFaults({ rules: { dropPeers: [c!] } });
    await admins[1]!.setFaults({ rules: { dropPeers: [c!] } });
    await admins[2]!.setFaults({ rules: { dropPeers: [a!, b!] } });
    const put = await clients[0]!.put({ key: "cut-off", value: "v" });
    assert.ok(!put.acknowledgedBy.includes(c!));
    const faults = await admins[0]!.getFaults({});
    assert.equal(faults.enabled, true);
    assert.deepEqual(faults.rules?.dropPeers, [c!]);
    assert.ok((faults.counts?.droppedOut ?? 0n) > 0n, "calls to the cut-off peer were dropped");

    for (const admin of admins.slice(0, 3)) await admin.setFaults({ rules: {} });
    await waitFor(async () => (await clients[2]!.get({ key: "cut-off" })).value === "v", { what: "the healed peer to read the write" });
  });

  test("a clock skewed beyond the max clock offset gets this peer's writes refused until real time catches up with its hybrid clock", async () => {
    await admins[1]!.setFaults({ rules: { clockSkewMs: 3000n } });
    await assert.rejects(clients[1]!.put({ key: "from-the-future", value: "v" }), (e: unknown) => {
      const err = ConnectError.from(e);
      return err.code === Code.FailedPrecondition && /clock is ahead/.test(err.rawMessage);
    });
    await admins[1]!.setFaults({ rules: {} });
    // Its hybrid logical clock never goes back: the versions it issues stay ahead (and are
    // refused) until the wall clock has caught up with the last one, 3 s here.
    await waitFor(async () => (await clients[1]!.put({ key: "from-the-present", value: "v" })).key, { timeoutMs: 10_000, intervalMs: 500, what: "writes accepted again" });
  });
});
