// The controller as a real process: after `kill -9` of it no peer is left (they leave through
// --parent-pid) and the next start brings the same peers back; SIGTERM stops everything, exit 0.
// P2P_PEER_MAIN overrides the peer binary (default: the built apps/peer/dist/main.js).
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, test } from "node:test";
import { defaultPeerMain, waitFor } from "@p2p/launcher";
import { PeerState } from "@p2p/proto/fleet";
import { fleetClient } from "./fleet-client.js";

const peerMain = process.env.P2P_PEER_MAIN ?? defaultPeerMain;
const mainTs = fileURLToPath(new URL("./main.ts", import.meta.url));

function isAlive(pid: number): boolean {
  if (pid <= 0) return false; // kill(0) would address our own process group
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const dir = await mkdtemp(join(tmpdir(), "fleet-main-"));
const started: ChildProcess[] = [];
const peerPids = new Set<number>();
after(async () => {
  for (const c of started) c.kill("SIGKILL");
  for (const pid of peerPids) if (isAlive(pid)) process.kill(pid, "SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

/** Starts the controller process and resolves with its API URL from the "fleet ready" line. */
async function startFleetProcess(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ["--conditions=source", "--import", "tsx", mainTs, "--peers", "3", "--port", "0", "--dir", dir, "--peer-main", peerMain, "--stop-grace-ms", "5000"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  started.push(child);
  child.stderr!.resume();
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no \"fleet ready\" line within 60 s")), 60_000);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (!line.includes('"fleet ready"')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once("exit", (code) => reject(new Error(`controller exited early (code ${code})`)));
  });
  child.stdout!.resume();
  return { child, url };
}

test("kill -9 of the controller leaves no peer; restart brings the fleet back; SIGTERM stops all", { timeout: 180_000 }, async () => {
  const first = await startFleetProcess();
  const before = (await fleetClient(first.url).listPeers({})).peers;
  assert.equal(before.length, 3);
  for (const p of before) {
    assert.equal(p.state, PeerState.RUNNING);
    peerPids.add(p.pid);
  }

  first.child.kill("SIGKILL");
  for (const p of before) await waitFor(() => !isAlive(p.pid), { timeoutMs: 15_000, what: `orphaned peer pid ${p.pid} to exit` });

  const second = await startFleetProcess();
  const back = (await fleetClient(second.url).listPeers({})).peers;
  assert.deepEqual(back.map((p) => [p.name, p.id, p.state]), before.map((p) => [p.name, p.id, PeerState.RUNNING]));
  for (const p of back) peerPids.add(p.pid);

  const exited = new Promise<number | null>((res) => second.child.once("exit", (code) => res(code)));
  second.child.kill("SIGTERM");
  assert.equal(await exited, 0);
  for (const p of back) assert.equal(isAlive(p.pid), false, `peer pid ${p.pid} survived the controller`);
  const state = JSON.parse(await readFile(join(dir, "fleet.json"), "utf8")) as { peers: Array<{ pid: number; desired: string }> };
  assert.ok(state.peers.every((p) => p.pid === 0 && p.desired === "running"));
});
