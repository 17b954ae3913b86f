/**
 * The built `p2p` binary (apps/cli/dist/main.js) against 3 real peer processes on loopback:
 * records with --json, exit codes of a missing key and an unreachable peer, a file uploaded
 * through one peer and downloaded through another, a download killed halfway and resumed,
 * and watch seeing a put made through another peer.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startNetwork, waitFor, type Network } from "@p2p/launcher";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const MiB = 1 << 20;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the binary; `done` resolves when it exits (it is killed after `timeoutMs`). */
function start(args: string[], opts: { timeoutMs?: number; input?: string } = {}): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, P2P_PEER: "" } });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdin!.end(opts.input ?? "");
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
  const done = new Promise<Run>((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, done };
}

const p2p = (args: string[], opts?: { timeoutMs?: number; input?: string }) => start(args, opts).done;

/** Runs and expects exit 0 and a JSON document on stdout. */
async function json<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const r = await p2p(["--json", ...args]);
  assert.equal(r.code, 0, `p2p ${args.join(" ")} → ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe("p2p CLI against 3 real peers", { timeout: 300_000 }, () => {
  let net: Network;
  let dir: string;
  let A: string, B: string, C: string;
  let fileId = "";
  let original: Buffer;

  before(async () => {
    assert.ok(existsSync(MAIN), `${MAIN} is missing: run npx tsc -b tsconfig.build.json`);
    dir = await mkdtemp(join(tmpdir(), "p2p-cli-"));
    net = await startNetwork(3);
    [A, B, C] = net.peers.map((p) => `http://${p.httpAddress}`) as [string, string, string];
    // every peer knows the other two before the tests count contacts
    await waitFor(async () => (await json<{ contacts: unknown[] }>(["--peer", C, "peers"])).contacts.length >= 2, { timeoutMs: 20_000 });
  });
  after(async () => {
    await net?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("put, get (through another peer), ls, delete with --json", async () => {
    const put = await json<{ key: string; acknowledgedBy: string[] }>(["--peer", A, "put", "cli:greeting", "hello"]);
    assert.equal(put.key, "cli:greeting");
    assert.ok(put.acknowledgedBy.length >= 2);
    const got = await json<{ value: string; version: { writer: string } }>(["--peer", B, "get", "cli:greeting"]);
    assert.equal(got.value, "hello");
    const fromStdin = await p2p(["--peer", A, "put", "cli:stdin", "-"], { input: "line one\nline two\n" });
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.equal((await p2p(["--peer", C, "get", "cli:stdin"])).stdout, "line one\nline two\n\n");
    const listed = await json<{ records: { key: string }[]; count: number }>(["--peer", A, "ls", "--prefix", "cli:"]);
    assert.deepEqual(listed.records.map((r) => r.key), ["cli:greeting", "cli:stdin"], "A holds both (R=3 of 3 peers)");
    const limited = await json<{ records: unknown[]; truncated: boolean }>(["--peer", A, "ls", "--prefix", "cli:", "--limit", "1"]);
    assert.equal(limited.records.length, 1);
    await json(["--peer", C, "delete", "cli:greeting"]);
    const gone = await p2p(["--peer", B, "get", "cli:greeting"]);
    assert.equal(gone.code, 3, gone.stderr);
  });

  test("get --trace and put --trace print the request's spans across peers as a tree", async () => {
    const r = await p2p(["--peer", B, "get", "cli:stdin", "--trace"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^line one\nline two\n\ntrace [0-9a-f]{32} \(\d+ spans on [23] peers\)/m);
    assert.match(r.stdout, /lookup FindValue/);
    assert.match(r.stdout, /serve FindValue/);
    assert.match(r.stdout, /read quorum/);
    const w = await json<{ traceId: string; spans: { spans: { name: string; peerId: string }[] } }>(["--peer", A, "put", "cli:traced", "v", "--trace"]);
    assert.match(w.traceId, /^[0-9a-f]{32}$/);
    const names = w.spans.spans.map((s) => s.name);
    assert.ok(names.includes("write quorum") && names.filter((n) => n === "serve Store").length >= 2, names.join(", "));
    assert.ok(new Set(w.spans.spans.map((s) => s.peerId)).size >= 3);
  });

  test("peers and status see the whole network", async () => {
    const peers = await json<{ selfId: string; contacts: { id: string; httpAddress: string }[] }>(["--peer", A, "peers"]);
    assert.equal(peers.selfId, net.peers[0]!.id);
    assert.deepEqual(peers.contacts.map((c) => c.id).sort(), [net.peers[1]!.id, net.peers[2]!.id].sort());
    const status = await json<{ peer: { id: string }; routingTable: { contacts: number }; replication: object; healthyPeers: number; peers: { healthy: boolean }[] }>(["--peer", A, "status"]);
    assert.equal(status.peer.id, net.peers[0]!.id);
    assert.equal(status.routingTable.contacts, 2);
    assert.equal(status.healthyPeers, 2);
    assert.ok("repairIntervalMs" in status.replication, JSON.stringify(status.replication));
    const human = await p2p(["--peer", A, "status"]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /peers\s+2 of 2 healthy/);
  });

  test("a missing key exits 3 and an unreachable peer exits 4, each with one line on stderr", async () => {
    const missing = await p2p(["--peer", A, "get", "cli:never-written"]);
    assert.equal(missing.code, 3);
    assert.equal(missing.stdout, "");
    assert.match(missing.stderr, /^p2p: get "cli:never-written": [^\n]+\n$/);
    const url = `http://127.0.0.1:${await freePort()}`;
    const down = await p2p(["--peer", url, "get", "k"]);
    assert.equal(down.code, 4);
    assert.equal(down.stderr, `p2p: cannot reach ${url} (connection refused)\n`);
    const bad = await p2p(["--peer", A, "put", "", "v"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^p2p: put "": key: must be 1 to 1024 bytes of UTF-8, got 0\n$/);
  });

  test("a file uploaded through A downloads byte-identical through B", async () => {
    original = randomBytes(4 * MiB + 12_345);
    const src = join(dir, "random.bin");
    await writeFile(src, original);
    const up = await json<{ id: string; bytes: number }>(["--peer", A, "upload", src]);
    assert.match(up.id, /^[0-9a-f]{64}$/);
    assert.equal(up.bytes, original.length);
    fileId = up.id;
    const out = join(dir, "via-b.bin");
    const down = await json<{ size: number; resumedFrom: number; path: string }>(["--peer", B, "download", fileId, "-o", out]);
    assert.equal(down.size, original.length);
    assert.equal(down.resumedFrom, 0);
    assert.ok((await readFile(out)).equals(original));
    assert.ok(!existsSync(`${out}.part`) && !existsSync(`${out}.part.state`), "no partial files left behind");
  });

  test("a download killed halfway resumes from its verified chunks to a byte-identical file", async () => {
    assert.ok(fileId, "needs the uploaded file");
    const out = join(dir, "resumed.bin");
    const part = `${out}.part`;
    // Paced to 1 MiB/s over 2 chunks in flight, so the first chunks verify after ~2 s and the
    // next ones ~2 s later: the kill lands between. The second run is not paced.
    const first = start(["--peer", C, "download", fileId, "-o", out, "--limit-rate", "1M", "--parallel", "2"], { timeoutMs: 60_000 });
    const verified = async () => {
      const s = JSON.parse(await readFile(`${part}.state`, "utf8")) as { format: string; verified: string };
      assert.equal(s.format, "p2p-download/2");
      return [...Buffer.from(s.verified, "base64")].reduce((n, byte) => n + byte.toString(2).replaceAll("0", "").length, 0);
    };
    await waitFor(async () => (await verified().catch(() => 0)) >= 1, { timeoutMs: 30_000 });
    first.child.kill("SIGKILL");
    const killed = await first.done;
    assert.equal(killed.signal, "SIGKILL");
    assert.ok(!existsSync(out), "the final file appears only when complete");
    assert.ok((await verified()) >= 1);

    const second = await json<{ resumedFrom: number; bytesDownloaded: number; size: number }>(["--peer", C, "download", fileId, "-o", out]);
    assert.ok(second.resumedFrom >= MiB, `resumed from ${second.resumedFrom}`);
    assert.equal(second.resumedFrom + second.bytesDownloaded, original.length);
    assert.ok((await readFile(out)).equals(original));
    assert.ok(!existsSync(part) && !existsSync(`${part}.state`));
  });

  test("a corrupted sidecar is discarded and the download starts over", async () => {
    const out = join(dir, "fresh.bin");
    await writeFile(`${out}.part`, randomBytes(3 * MiB));
    await writeFile(`${out}.part.state`, JSON.stringify({ format: "p2p-download/1", id: fileId, size: original.length, chunkSize: MiB, chunkCount: 5, verifiedChunks: 3 }));
    const r = await json<{ resumedFrom: number }>(["--peer", A, "download", fileId, "-o", out]);
    assert.equal(r.resumedFrom, 0, "random bytes never match the recorded chunk hashes");
    assert.ok((await readFile(out)).equals(original));
  });

  test("watch prints a new version after a put through another peer, and Ctrl-C exits 0", async () => {
    await json(["--peer", A, "put", "cli:watched", "v1"]);
    const w = start(["--json", "--peer", B, "watch", "cli:watched", "--interval", "100"], { timeoutMs: 60_000 });
    let out = "";
    w.child.stdout!.on("data", (d: string) => (out += d));
    await waitFor(() => out.includes('"v1"'), { timeoutMs: 15_000 });
    await json(["--peer", C, "put", "cli:watched", "v2"]);
    await waitFor(() => out.includes('"v2"'), { timeoutMs: 15_000 });
    await json(["--peer", A, "delete", "cli:watched"]);
    await waitFor(() => out.includes('"absent"'), { timeoutMs: 15_000 });
    w.child.kill("SIGINT");
    const r = await w.done;
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { event: string; value?: string });
    assert.deepEqual(events.map((e) => e.value ?? e.event), ["v1", "v2", "absent"], "one line per version, none repeated");
  });
});
