/**
 * The built `p2p` binary downloading through a proxy in front of one real peer: the proxy
 * counts the chunk ranges asked for and fails or holds some of them, so a run ends with
 * non-contiguous chunks verified; the rerun must fetch exactly the missing ones and produce
 * the original bytes.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startNetwork, waitFor, type Network } from "@p2p/launcher";
import { Bitfield } from "./bitfield.js";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const MiB = 1 << 20;
const CHUNKS = 6;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]): { child: ReturnType<typeof spawn>; done: Promise<Run> } {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, P2P_PEER: "" } });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const done = new Promise<Run>((resolve) => child.on("close", (code) => (clearTimeout(timer), resolve({ code, stdout, stderr }))));
  return { child, done };
}

/** Forwards everything to the peer; ranged GETs of /files/<id> are recorded by chunk and may be failed or held. */
class ChunkProxy {
  /** Chunk index of every ranged GET, in arrival order. */
  asked: number[] = [];
  /** Chunks whose requests the proxy completed. */
  served: number[] = [];
  fail = new Set<number>();
  hold = new Set<number>();
  #server = http.createServer((req, res) => this.#handle(req, res));
  url = "";

  constructor(private readonly peer: string) {}

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as { port: number }).port}`;
  }

  reset(): void {
    this.asked = [];
    this.served = [];
    this.fail.clear();
    this.hold.clear();
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const m = /^bytes=(\d+)-/.exec(String(req.headers.range ?? ""));
    if (req.method === "GET" && req.url?.startsWith("/files/") && m) {
      const chunk = Math.floor(Number(m[1]) / MiB);
      this.asked.push(chunk);
      if (this.fail.has(chunk)) return void res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: `chunk ${chunk} unavailable (test)`, code: "unavailable" }));
      if (this.hold.has(chunk)) return; // answered never; the client's abort closes it
      res.once("finish", () => this.served.push(chunk));
    }
    const up = http.request(new URL(req.url ?? "/", this.peer), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

describe("p2p download resumes from a bitfield of non-contiguous chunks", { timeout: 180_000 }, () => {
  let net: Network;
  let proxy: ChunkProxy;
  let dir: string;
  let fileId = "";
  const original = randomBytes(5 * MiB + 777); // 6 chunks of 1 MiB, the last one short

  before(async () => {
    assert.ok(existsSync(MAIN), `${MAIN} is missing: run npm run build:core`);
    dir = await mkdtemp(join(tmpdir(), "p2p-cli-resume-"));
    net = await startNetwork(1, { peer: { args: ["--replication-factor", "1", "--write-quorum", "1", "--read-quorum", "1"] } });
    const peer = `http://${net.peers[0]!.httpAddress}`;
    proxy = new ChunkProxy(peer);
    await proxy.listen();
    const src = join(dir, "src.bin");
    await writeFile(src, original);
    const up = await start(["--json", "--peer", peer, "upload", src]).done;
    assert.equal(up.code, 0, up.stderr);
    fileId = (JSON.parse(up.stdout) as { id: string }).id;
  });
  after(async () => {
    await proxy?.close();
    await net?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const sidecar = async (out: string) => {
    const s = JSON.parse(await readFile(`${out}.part.state`, "utf8")) as { format: string; verified: string };
    const bits = Bitfield.parse(s.verified, CHUNKS);
    assert.ok(bits instanceof Bitfield, String(bits));
    return { format: s.format, chunks: bits.indexes() };
  };

  /** Runs the download again with nothing failing: it must ask only for `missing` and end byte-identical. */
  const resume = async (out: string, missing: number[]) => {
    proxy.reset();
    const r = await start(["--json", "--peer", proxy.url, "download", fileId, "-o", out]).done;
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { chunksFetched: number; resumedFrom: number; bytesDownloaded: number };
    assert.deepEqual(sorted(proxy.asked), missing, "only the chunks the sidecar did not hold are fetched");
    assert.equal(doc.chunksFetched, missing.length);
    assert.equal(doc.resumedFrom + doc.bytesDownloaded, original.length);
    assert.ok((await readFile(out)).equals(original));
    assert.ok(!existsSync(`${out}.part`) && !existsSync(`${out}.part.state`), "no partial files left behind");
  };

  test("a chunk failing mid-download keeps the chunks around it; the rerun fetches the rest", async () => {
    const out = join(dir, "failed.bin");
    proxy.reset();
    proxy.fail.add(1);
    // 0, 1 and 2 start together; 1 fails, so nothing new starts while 0 and 2 finish.
    const r = await start(["--peer", proxy.url, "download", fileId, "-o", out, "--parallel", "3"]).done;
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /chunk 1 unavailable/);
    assert.deepEqual(sorted(proxy.asked), [0, 1, 2]);
    assert.deepEqual(await sidecar(out), { format: "p2p-download/2", chunks: [0, 2] });
    assert.ok(!existsSync(out));
    await resume(out, [1, 3, 4, 5]);
  });

  test("Ctrl-C while a chunk hangs keeps every chunk verified before it; the rerun fetches only that chunk", async () => {
    const out = join(dir, "interrupted.bin");
    proxy.reset();
    proxy.hold.add(1);
    // one worker hangs on chunk 1, the other fetches 0, 2, 3, 4, 5
    const run = start(["--peer", proxy.url, "download", fileId, "-o", out, "--parallel", "2", "--timeout", "60000"]);
    await waitFor(async () => (await sidecar(out).catch(() => ({ chunks: [] as number[] }))).chunks.length === 5, { timeoutMs: 30_000 });
    run.child.kill("SIGINT");
    const r = await run.done;
    assert.equal(r.code, 130, r.stderr);
    assert.deepEqual((await sidecar(out)).chunks, [0, 2, 3, 4, 5]);
    await resume(out, [1]);
  });

  test("a --parallel outside 1-32 is a usage error", async () => {
    for (const bad of ["0", "33", "two"]) {
      const r = await start(["--peer", proxy.url, "download", fileId, "--parallel", bad]).done;
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--parallel: must be/);
    }
  });
});
