import assert from "node:assert/strict";
import { test } from "node:test";
import type { PeerProcess } from "@p2p/launcher";
import { peerView, PeerRegistry } from "./peer-registry.js";
import type { PeerRecord } from "./state-file.js";

const record = (name: string, over: Partial<PeerRecord> = {}): PeerRecord => ({
  name, dataDir: `peers/${name}`, id: "", httpAddress: "", grpcAddress: "", pid: 0, desired: "running",
  lastState: "stopped", lastExit: "", restarts: 0, settings: {}, ...over,
});
const process = { pid: 4242, exit: undefined } as unknown as PeerProcess;

test("what the API shows in each phase: a pid and uptime only while a process lives, the last exit after", () => {
  const peers = new PeerRegistry(10);
  const slot = peers.add(record("peer-0", { id: "a".repeat(64), grpcAddress: "127.0.0.1:9001" }));
  assert.deepEqual([peerView(slot, "/d").state, peerView(slot, "/d").pid, peerView(slot, "/d").uptimeMs], ["stopped", 0, 0]);
  slot.phase = { t: "starting", process, startedAtMs: Date.now() - 50 };
  let v = peerView(slot, "/d");
  assert.deepEqual([v.state, v.pid, v.uptimeMs], ["starting", 4242, 0], "no uptime before ready");
  assert.ok(v.startedAtMs > 0);
  assert.deepEqual(peers.runningAddresses(undefined), [], "a starting peer is no bootstrap contact");
  slot.phase = { t: "running", process, startedAtMs: Date.now() - 50 };
  v = peerView(slot, "/d");
  assert.ok(v.state === "running" && v.uptimeMs >= 50);
  assert.deepEqual(peers.runningAddresses(undefined), ["127.0.0.1:9001"]);
  assert.deepEqual(peers.runningAddresses(slot), []);
  slot.phase = { t: "stopping", process, startedAtMs: 1, how: "kill" };
  assert.equal(peerView(slot, "/d").state, "stopping");
  slot.phase = { t: "crashed", lastExit: "SIGKILL" };
  slot.record.lastExit = "SIGKILL";
  v = peerView(slot, "/d");
  assert.deepEqual([v.state, v.pid, v.startedAtMs, v.lastExit, v.dataDir], ["crashed", 0, 0, "SIGKILL", "/d"]);
});

test("lookups by name or full ID; names are never reused; bad references name the problem", () => {
  const peers = new PeerRegistry(10);
  const a = peers.add(record(peers.nextName(), { id: "b".repeat(64) }));
  peers.add(record(peers.nextName()));
  assert.equal(peers.find("peer-0"), a);
  assert.equal(peers.find("b".repeat(64)), a);
  peers.delete(a);
  assert.equal(peers.nextName(), "peer-2");
  assert.throws(() => peers.find("peer-0"), /not found/);
  assert.throws(() => peers.find(" "), /peer: required/);
  assert.throws(() => peers.find("x".repeat(200)), /too long/);
});
