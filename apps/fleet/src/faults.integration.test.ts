// Faults the controller injects into its real peers, through FleetService: a partition (each
// side's writes succeed, the sides cannot reach each other, healing joins them), a pause
// (SIGSTOP) and resume, a delay and a clock skew shown on the peer, and bad requests named.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { adminClient, defaultPeerMain, nodeClient, waitFor, waitForFullTables } from "@p2p/launcher";
import { PeerState, type FleetPeer } from "@p2p/proto/fleet";
import { parseFleetArgs } from "./config.js";
import { startController, type FleetController } from "./controller.js";
import { fleetClient } from "./fleet-client.js";

const peerMain = process.env.P2P_PEER_MAIN ?? defaultPeerMain;

describe("fault injection through the fleet controller", { timeout: 180_000 }, () => {
  let dir: string;
  let controller: FleetController | undefined;
  let peers: FleetPeer[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-faults-"));
    // A call across a partition is lost until its deadline: short peer deadlines keep a write
    // on the minority side (several such calls, then stand-ins) well inside the request's.
    controller = await startController(
      parseFleetArgs(["--port", "0", "--dir", dir, "--peers", "0", "--peer-main", peerMain, "--stop-grace-ms", "3000", "--rpc-timeout-ms", "400", "--request-timeout-ms", "8000"]),
    );
    peers = (await client().spawnPeers({ count: 5, options: {} })).peers;
    for (const p of peers) assert.equal(p.state, PeerState.RUNNING, `${p.name}: ${p.lastExit}`);
    await waitForFullTables(peers.map((p) => p.httpAddress));
  });
  after(async () => {
    await controller?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const client = () => fleetClient(controller!.url, { timeoutMs: 30_000 });
  const addressOf = (name: string) => peers.find((p) => p.name === name)!.httpAddress;
  const peer = (name: string) => nodeClient(addressOf(name), { timeoutMs: 10_000 });
  const admin = (name: string) => adminClient(addressOf(name), { timeoutMs: 10_000 });

  test("bad partitions are INVALID_ARGUMENT naming the problem", async () => {
    const bad: [string[][], RegExp][] = [
      [[["peer-0"]], /^.*groups: a partition needs at least 2 groups/],
      [[["peer-0"], []], /groups\[1\]: is empty/],
      [[["peer-0"], ["peer-0"]], /groups\[1\]: peer-0 is already in groups\[0\]/],
      [[["peer-0"], ["nobody"]], /peer "nobody" not found/],
    ];
    for (const [groups, message] of bad) {
      await assert.rejects(client().partition({ groups: groups.map((g) => ({ peers: g })) }), (e: unknown) => {
        const err = ConnectError.from(e);
        return (err.code === Code.InvalidArgument || err.code === Code.NotFound) && message.test(err.rawMessage);
      });
    }
    await assert.rejects(client().setPeerFaults({ peer: "peer-1", delayMs: 120_000 }), (e: unknown) => ConnectError.from(e).code === Code.InvalidArgument);
  });

  test("a 2|3 partition: the sides cannot reach each other, the peers show it, healing joins them", async () => {
    const res = await client().partition({ groups: [{ peers: ["peer-0", "peer-1"] }, { peers: ["peer-2", "peer-3", "peer-4"] }] });
    const p0 = res.peers.find((p) => p.name === "peer-0")!;
    assert.deepEqual(p0.faults?.partitionedFrom, ["peer-2", "peer-3", "peer-4"]);
    const onPeer = await admin("peer-3").getFaults({});
    assert.deepEqual([...(onPeer.rules?.dropPeers ?? [])].sort(), peers.filter((p) => ["peer-0", "peer-1"].includes(p.name)).map((p) => p.id).sort());

    // Writes through either side are acknowledged by peers of that side only.
    const minority = await peer("peer-0").put({ key: "split-a", value: "a" });
    const minorityIds = new Set(peers.slice(0, 2).map((p) => p.id));
    assert.ok(minority.acknowledgedBy.every((id) => minorityIds.has(id)), "acknowledged within the minority side");
    const majority = await peer("peer-3").put({ key: "split-b", value: "b" });
    assert.ok(majority.acknowledgedBy.every((id) => !minorityIds.has(id)), "acknowledged within the majority side");

    const healed = await client().heal({});
    assert.ok(healed.peers.every((p) => (p.faults?.partitionedFrom.length ?? 0) === 0));
    assert.deepEqual((await admin("peer-3").getFaults({})).rules?.dropPeers, []);
    // Both writes become readable through every peer (hinted hand-off moves the stand-ins' copies).
    for (const p of peers) {
      await waitFor(async () => (await peer(p.name).get({ key: "split-a" })).value === "a" && (await peer(p.name).get({ key: "split-b" })).value === "b", {
        timeoutMs: 30_000, intervalMs: 500, what: `${p.name} to read both sides' writes`,
      });
    }
  });

  test("a paused peer answers nothing until resumed; delay and skew are shown and cleared by heal", async () => {
    const paused = await client().pausePeer({ peer: "peer-4" });
    assert.equal(paused.peer?.faults?.paused, true);
    await assert.rejects(nodeClient(paused.peer!.httpAddress, { timeoutMs: 500 }).info({}), (e: unknown) => ConnectError.from(e).code === Code.DeadlineExceeded);
    const resumed = await client().resumePeer({ peer: "peer-4" });
    assert.equal(resumed.peer?.faults?.paused, false);
    assert.equal((await peer("peer-4").info({})).id, peers[4]!.id);

    const slowed = await client().setPeerFaults({ peer: "peer-1", delayMs: 20, clockSkewMs: -300n });
    assert.equal(slowed.peer?.faults?.delayMs, 20);
    assert.equal(slowed.peer?.faults?.clockSkewMs, -300n);
    const rules = (await admin("peer-1").getFaults({})).rules;
    assert.deepEqual(rules?.delays.map((d) => [d.peerId, d.delayMs]), [["*", 20]]);
    assert.equal(rules?.clockSkewMs, -300n);
    await client().heal({});
    assert.equal((await admin("peer-1").getFaults({})).rules?.clockSkewMs, 0n);
  });
});
