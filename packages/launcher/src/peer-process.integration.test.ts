import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { readFile } from "node:fs/promises";
import { startPeer, PeerStartError, DEFAULT_PEER_ENV, type PeerProcess } from "./peer-process.js";
import { isPortFree } from "./ports.js";

// The launcher's own behaviour, against small fixtures that obey the peer contract; the real
// daemon is exercised by network.integration.test.ts and the fleet's tests.
const standIn = fileURLToPath(new URL("./fixtures/stand-in-peer.js", import.meta.url));
const crasher = fileURLToPath(new URL("./fixtures/crash-at-start.js", import.meta.url));

function alive(pid: number): boolean {
  if (pid <= 0) return false; // kill(0) would address our own process group
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("startPeer", () => {
  let dir: string;
  const started: PeerProcess[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "launcher-test-"));
  });
  after(async () => {
    await Promise.all(started.map((p) => p.kill()));
    await rm(dir, { recursive: true, force: true });
  });
  const start = (name: string, extra: Partial<Parameters<typeof startPeer>[0]> = {}) => {
    const p = startPeer({ peerMain: standIn, dataDir: join(dir, name), readyTimeoutMs: 10_000, ...extra });
    started.push(p);
    return p;
  };

  test("reads ID and real ports from the ready line, stops gracefully", async () => {
    const p = start("a");
    assert.equal(p.state, "starting");
    const info = await p.ready;
    assert.match(info.id, /^[0-9a-f]{64}$/);
    assert.equal(p.state, "running");
    assert.equal(p.id, info.id);
    assert.equal(info.pid, p.pid);
    assert.equal(await isPortFree("127.0.0.1", Number(info.httpAddress.split(":")[1])), false);
    const res = await fetch(`http://${info.httpAddress}/p2p.v1.NodeService/Info`, { method: "POST", body: "{}" });
    assert.equal(((await res.json()) as { id: string }).id, info.id);
    assert.ok(p.logs().some((l) => l.includes("peer ready")));
    assert.deepEqual(await p.stop(5000), { code: 0, signal: null });
    assert.equal(p.state, "exited");
    assert.equal(alive(p.pid), false);
  });

  test("a peer gets the default environment (malloc thresholds) unless its own environment sets the variable", async (t) => {
    const environ = async (p: PeerProcess) => (await readFile(`/proc/${p.pid}/environ`, "utf8").catch(() => undefined))?.split("\0");
    const plain = start("env-default");
    await plain.ready;
    const vars = await environ(plain);
    if (vars === undefined) return t.skip("no /proc here");
    assert.ok(vars.includes(`GLIBC_TUNABLES=${DEFAULT_PEER_ENV.GLIBC_TUNABLES}`), "default GLIBC_TUNABLES missing");
    const own = start("env-own", { env: { GLIBC_TUNABLES: "glibc.malloc.arena_max=1" } });
    await own.ready;
    assert.ok((await environ(own))!.includes("GLIBC_TUNABLES=glibc.malloc.arena_max=1"));
    await Promise.all([plain.stop(5000), own.stop(5000)]);
  });

  test("a restart on the same data dir keeps the ID", async () => {
    const first = start("b");
    const { id } = await first.ready;
    await first.stop();
    const second = start("b");
    assert.equal((await second.ready).id, id);
    await second.stop();
  });

  test("kill() is SIGKILL", async () => {
    const p = start("c");
    await p.ready;
    assert.deepEqual(await p.kill(), { code: null, signal: "SIGKILL" });
  });

  test("stop() falls back to SIGKILL after the grace period", async () => {
    const p = start("d", { env: { STANDIN_IGNORE_SIGTERM: "1" } });
    await p.ready;
    assert.deepEqual(await p.stop(300), { code: null, signal: "SIGKILL" });
    assert.ok(p.logs().some((l) => l.includes("ignoring SIGTERM")));
  });

  test("a process that exits before ready rejects with its last log lines", async () => {
    const p = start("e", { peerMain: crasher });
    await assert.rejects(p.ready, (err: unknown) => {
      assert.ok(err instanceof PeerStartError);
      assert.deepEqual(err.exit, { code: 3, signal: null });
      assert.ok(err.lastLines.some((l) => l.includes("fatal: giving up")));
      assert.match(err.message, /code 3/);
      return true;
    });
    assert.equal(p.state, "exited");
  });

  test("a ready timeout kills the process", async () => {
    // No real peer is ready within 1 ms: stands for a hung start.
    const p = start("f", { readyTimeoutMs: 1 });
    await assert.rejects(p.ready, /ready line within 1 ms/);
    await p.exited;
    assert.equal(alive(p.pid), false);
  });

  test("a missing peer binary is a clear error", () => {
    assert.throws(() => startPeer({ peerMain: join(dir, "nope.js"), dataDir: join(dir, "g") }), /npm run build/);
  });

  test("the peer exits when its parent goes away (--parent-pid)", async () => {
    // An intermediate node process launches the stand-in, prints its pid, and is SIGKILLed.
    const { spawn } = await import("node:child_process");
    const launcherSrc = fileURLToPath(new URL("./index.ts", import.meta.url));
    const code = `import { startPeer } from ${JSON.stringify(launcherSrc)};
      const p = startPeer({ peerMain: ${JSON.stringify(standIn)}, dataDir: ${JSON.stringify(join(dir, "h"))} });
      p.ready.then((i) => console.log(JSON.stringify(i)));`;
    const middle = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "--input-type=module", "-e", code], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let peerPid = 0;
    try {
      const line = await new Promise<string>((res, rej) => {
        middle.stdout.setEncoding("utf8").once("data", (d: string) => res(d));
        middle.once("exit", () => rej(new Error("middle process exited early")));
      });
      peerPid = (JSON.parse(line) as { pid: number }).pid;
      assert.ok(alive(peerPid));
      middle.kill("SIGKILL");
      const { waitFor } = await import("./wait-for.js");
      await waitFor(() => !alive(peerPid), { timeoutMs: 10_000, what: `pid ${peerPid} to exit` });
    } finally {
      middle.kill("SIGKILL");
      if (peerPid && alive(peerPid)) process.kill(peerPid, "SIGKILL");
    }
  });
});
