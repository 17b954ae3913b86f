// The fleet controller against real peer processes: spawn 20 in one call, full routing
// tables, kill 3, restart them with the same IDs and data, stop the controller (no process
// left), reopen it (the fleet is back), bad inputs, a peer that crashes at start, the token.
// P2P_PEER_MAIN overrides the peer binary (default: the built apps/peer/dist/main.js).
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { defaultPeerMain, nodeClient, waitFor } from "@p2p/launcher";
import { PeerState } from "@p2p/proto/fleet";
import { parseFleetArgs } from "./config.js";
import { startController, type FleetController } from "./controller.js";
import { Fleet } from "./fleet.js";
import { fleetClient } from "./fleet-client.js";
import { portOf } from "./port-plan.js";

const peerMain = process.env.P2P_PEER_MAIN ?? defaultPeerMain;
const crasher = fileURLToPath(new URL("../../../packages/launcher/src/fixtures/crash-at-start.js", import.meta.url));

function isAlive(pid: number): boolean {
  if (pid <= 0) return false; // kill(0) would signal our own process group
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function rejectsWith(p: Promise<unknown>, code: Code, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ConnectError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

async function contactIds(httpAddress: string): Promise<Set<string>> {
  const rt = await nodeClient(httpAddress).routingTable({});
  return new Set(rt.buckets.flatMap((b) => b.contacts.map((c) => c.peer?.id ?? "")));
}

describe("fleet controller with 20 real peers", { timeout: 300_000 }, () => {
  let dir: string;
  let controller: FleetController | undefined;
  const everyPid = new Set<number>(); // only real pids (> 0) go in
  const config = () => parseFleetArgs(["--port", "0", "--dir", dir, "--peers", "0", "--max-peers", "25", "--peer-main", peerMain, "--stop-grace-ms", "5000"]);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-it-"));
    controller = await startController(config());
  });
  after(async () => {
    await controller?.stop();
    for (const pid of everyPid) if (pid > 0 && isAlive(pid)) process.kill(pid, "SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });
  const client = () => fleetClient(controller!.url);
  const ids = new Map<string, string>(); // name -> id

  test("spawns 20 in one call; all run and every routing table lists the other 19", async () => {
    const { peers } = await client().spawnPeers({ count: 20 });
    assert.equal(peers.length, 20);
    for (const p of peers) {
      assert.equal(p.state, PeerState.RUNNING, `${p.name}: ${p.lastExit}`);
      assert.match(p.id, /^[0-9a-f]{64}$/);
      everyPid.add(p.pid);
      ids.set(p.name, p.id);
    }
    assert.equal(new Set(ids.values()).size, 20);
    for (const p of peers) {
      const others = [...ids.values()].filter((id) => id !== p.id);
      await waitFor(async () => {
        const known = await contactIds(p.httpAddress);
        return others.every((id) => known.has(id));
      }, { timeoutMs: 60_000, intervalMs: 250, what: `${p.name}'s routing table to list the other 19` });
    }
  });

  test("kill 3: crashed within a second; restart: same IDs and data", async () => {
    const { peers } = await client().listPeers({});
    const entry = peers[0]!;
    for (let i = 0; i < 30; i++) await nodeClient(entry.httpAddress).put({ key: `key-${i}`, value: `value-${i}` });
    // Victims: the three holding the most records, so "same data" is a real check.
    const held = await Promise.all(peers.slice(1).map(async (p) => ({ p, total: Number((await nodeClient(p.httpAddress).localRecords({})).total) })));
    const victims = held.sort((a, b) => b.total - a.total).slice(0, 3);
    assert.ok(victims[0]!.total > 0, "someone holds records");

    await Promise.all(victims.map(({ p }) => client().killPeer({ peer: p.name })));
    await waitFor(async () => {
      const now = (await client().listPeers({})).peers;
      return victims.every(({ p }) => now.find((x) => x.name === p.name)?.state === PeerState.CRASHED);
    }, { timeoutMs: 1000, intervalMs: 50, what: "ListPeers to show the killed peers crashed" });
    for (const { p } of victims) assert.equal(isAlive(p.pid), false);
    const others = (await client().listPeers({})).peers.filter((x) => !victims.some(({ p }) => p.name === x.name));
    assert.ok(others.every((x) => x.state === PeerState.RUNNING));

    for (const { p, total } of victims) {
      const { peer } = await client().restartPeer({ peer: p.id }); // by ID this time
      assert.ok(peer);
      everyPid.add(peer.pid);
      assert.equal(peer.state, PeerState.RUNNING);
      assert.equal(peer.id, p.id);
      assert.equal(peer.dataDir, p.dataDir);
      assert.equal(peer.restarts, 1);
      assert.equal(peer.lastExit, "SIGKILL");
      const after = await nodeClient(peer.httpAddress).localRecords({});
      assert.ok(Number(after.total) >= total, `${p.name} held ${total} records, now ${after.total}`);
    }
  });

  test("bad input gets INVALID_ARGUMENT / NOT_FOUND", async () => {
    await rejectsWith(client().spawnPeers({ count: 0 }), Code.InvalidArgument, /count: must be from 1 to 200/);
    await rejectsWith(client().spawnPeers({ count: 201 }), Code.InvalidArgument, /count: must be from 1 to 200/);
    await rejectsWith(client().spawnPeers({ count: 6 }), Code.InvalidArgument, /max-peers=25, so at most 5 more/);
    await rejectsWith(client().spawnPeers({ count: 1, options: { replicationFactor: 2, writeQuorum: 3 } }), Code.InvalidArgument, /options\.writeQuorum/);
    await rejectsWith(client().spawnPeers({ count: 1, options: { writeQuorum: 1, readQuorum: 1 } }), Code.InvalidArgument, /options\.writeQuorum: .*must exceed replicationFactor/);
    await rejectsWith(client().spawnPeers({ count: 1, options: { consistency: "eventual" } }), Code.InvalidArgument, /options\.consistency/);
    await rejectsWith(client().spawnPeers({ count: 1, options: { logLevel: "loud" } }), Code.InvalidArgument, /options\.logLevel/);
    for (const call of ["stopPeer", "killPeer", "restartPeer", "removePeer", "peerLogs"] as const) {
      await rejectsWith(client()[call]({ peer: "peer-99" }), Code.NotFound, /peer-99/);
      await rejectsWith(client()[call]({ peer: "" }), Code.InvalidArgument, /peer: required/);
    }
    await rejectsWith(client().peerLogs({ peer: "peer-0", limit: 1001 }), Code.InvalidArgument, /limit: at most 1000/);
    assert.equal((await client().listPeers({})).peers.length, 20, "nothing was half-created");
  });

  test("PeerLogs is bounded and StopPeer / RemovePeer work", async () => {
    const { lines } = await client().peerLogs({ peer: "peer-0", limit: 1 });
    assert.equal(lines.length, 1);
    assert.ok((await client().peerLogs({ peer: "peer-0" })).lines.some((l) => l.includes("peer ready")));
    const stopped = (await client().stopPeer({ peer: "peer-19" })).peer!;
    assert.equal(stopped.state, PeerState.STOPPED);
    assert.equal(stopped.pid, 0);
    const removed = await client().spawnPeers({ count: 1 });
    everyPid.add(removed.peers[0]!.pid);
    assert.equal((await client().removePeer({ peer: removed.peers[0]!.name })).name, "peer-20");
    assert.equal(isAlive(removed.peers[0]!.pid), false);
    assert.equal((await client().listPeers({})).peers.length, 20);
  });

  test("stopping the controller leaves no peer process; reopening brings the fleet back", async () => {
    const before = (await client().listPeers({})).peers;
    await controller!.stop();
    for (const pid of everyPid) assert.equal(isAlive(pid), false, `pid ${pid} still alive`);

    controller = await startController(config());
    const back = (await client().listPeers({})).peers;
    assert.deepEqual(back.map((p) => [p.name, p.id]), before.map((p) => [p.name, p.id]));
    for (const p of back) {
      everyPid.add(p.pid);
      // peer-19 was stopped on purpose and stays stopped; the others run again.
      assert.equal(p.state, p.name === "peer-19" ? PeerState.STOPPED : PeerState.RUNNING, p.name);
    }
    const info = await nodeClient(back[0]!.httpAddress).info({});
    assert.equal(info.id, back[0]!.id);
  });
});

describe("a peer that crashes at start", { timeout: 120_000 }, () => {
  test("is crashed with its last log lines; the rest of the fleet is unaffected", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "fleet-crash-"));
    const fleet = await Fleet.open({ dir, peerMain, initialPeers: 2 });
    t.after(async () => {
      await fleet.close();
      await rm(dir, { recursive: true, force: true });
    });
    const [bad] = await fleet.spawn(1, {}, { peerMain: crasher });
    assert.equal(bad!.state, "crashed");
    assert.equal(bad!.lastExit, "code 3");
    assert.ok(fleet.logs(bad!.name, 200).some((l) => l.includes("fatal: giving up")));
    const good = fleet.list().filter((p) => p.name !== bad!.name);
    assert.deepEqual(good.map((p) => p.state), ["running", "running"]);
    for (const p of good) assert.equal((await nodeClient(p.httpAddress).info({})).id, p.id);
  });
});

describe("token beyond loopback", { timeout: 60_000 }, () => {
  test("every call needs the token, reads included", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "fleet-auth-"));
    const controller = await startController(parseFleetArgs(["--host", "0.0.0.0", "--port", "0", "--dir", dir, "--peers", "0", "--peer-main", peerMain]));
    t.after(async () => {
      await controller.stop();
      await rm(dir, { recursive: true, force: true });
    });
    assert.equal(controller.tokenRequired, true);
    const url = `http://127.0.0.1:${new URL(controller.url).port}`;
    await rejectsWith(fleetClient(url).spawnPeers({ count: 1 }), Code.Unauthenticated, /fleet token/);
    await rejectsWith(fleetClient(url, { token: "0".repeat(64) }).killPeer({ peer: "peer-0" }), Code.Unauthenticated, /fleet token/);
    await rejectsWith(fleetClient(url).listPeers({}), Code.Unauthenticated, /ListPeers needs the fleet token/);
    await rejectsWith(fleetClient(url).peerLogs({ peer: "peer-0" }), Code.Unauthenticated, /fleet token/);
    assert.deepEqual((await fleetClient(url, { token: controller.token }).listPeers({})).peers, []);
    // With the token the call gets past auth to validation.
    await rejectsWith(fleetClient(url, { token: controller.token }).spawnPeers({ count: 0 }), Code.InvalidArgument, /count/);
  });
});

describe("DNS rebinding", { timeout: 60_000 }, () => {
  test("a request whose Host is a foreign name is refused; addresses, localhost and --allowed-host names are served", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "fleet-host-"));
    const controller = await startController(parseFleetArgs(["--port", "0", "--dir", dir, "--peers", "0", "--peer-main", peerMain, "--allowed-host", "fleet.example"]));
    t.after(async () => {
      await controller.stop();
      await rm(dir, { recursive: true, force: true });
    });
    const port = new URL(controller.url).port;
    // What a page on evil.example, re-pointed at 127.0.0.1, makes the browser send.
    const call = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          { host: "127.0.0.1", port, path: "/p2p.v1.FleetService/ListPeers", method: "POST", headers: { host, "content-type": "application/json" } },
          (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on("error", reject);
        req.end("{}");
      });
    const refused = await call(`evil.example:${port}`);
    assert.equal(refused.status, 403);
    assert.match((JSON.parse(refused.body) as { message: string }).message, /^Host "evil\.example:\d+" is not this controller/);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `fleet.example:${port}`]) assert.equal((await call(host)).status, 200, host);
  });
});

describe("predictable ports", { timeout: 120_000 }, () => {
  test("peer-N gets base+N; a taken port moves only its peer, past its siblings' ports; a restart keeps them", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "fleet-ports-"));
    // Bases below the kernel's ephemeral range, so that no OS-chosen port of a test running
    // alongside can land on them (CI once saw 33072 taken that way); different per run.
    // The third peer's HTTP port is taken by someone else.
    const http = await quietPortBase(200);
    const grpc = http + 100;
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen({ host: "127.0.0.1", port: http + 2 }, resolve));
    const fleet = await Fleet.open({ dir, peerMain, initialPeers: 4, portBases: { http, grpc } });
    t.after(async () => {
      await fleet.close();
      squatter.close();
      await rm(dir, { recursive: true, force: true });
    });
    const ports = () => fleet.list().map((p) => [p.name, portOf(p.httpAddress), portOf(p.grpcAddress)]);
    assert.deepEqual(ports(), [
      ["peer-0", http, grpc],
      ["peer-1", http + 1, grpc + 1],
      ["peer-2", http + 4, grpc + 2],
      ["peer-3", http + 3, grpc + 3],
    ]);
    await fleet.restart("peer-1");
    assert.deepEqual(ports()[1], ["peer-1", http + 1, grpc + 1]);
  });
});

/** A random base for `span` ports below the kernel's ephemeral (OS-chosen) port range. */
async function quietPortBase(span: number): Promise<number> {
  const range = await readFile("/proc/sys/net/ipv4/ip_local_port_range", "utf8").catch(() => "32768 60999");
  const ephemeralLow = Number(range.trim().split(/\s+/)[0]) || 32768;
  const low = 10_000;
  const high = Math.max(low + span, Math.min(ephemeralLow, 32768) - span);
  return low + Math.floor(Math.random() * (high - low - span));
}
