/**
 * The batch commands of the built `p2p` binary against 3 real peers: load of 2500 keys from an
 * NDJSON file (three PutMany calls), get-many (a missing key exits 3), delete-many from stdin,
 * and how load stops: a malformed line exits 2 naming it after storing the lines before it, a
 * value over the peer's limit fails alone (exit 5), and the last line of a key wins.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startNetwork, waitFor, type Network } from "@p2p/launcher";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function p2p(args: string[], input = ""): Promise<Run> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, P2P_PEER: "" } });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** Peer RPCs of `method` this peer made (p2p_peer_rpc_total, client side). */
async function rpcCount(url: string, method: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const l of text.split("\n")) {
    if (l.startsWith("p2p_peer_rpc_total{") && l.includes(`method="${method}"`) && l.includes('side="client"')) total += Number(l.slice(l.lastIndexOf(" ") + 1));
  }
  return total;
}

async function putManyCalls(url: string): Promise<number> {
  const res = await fetch(`${url}/p2p.v1.NodeService/Stats`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  const stats = (await res.json()) as { operations: { name: string; count?: string }[] };
  return Number(stats.operations.find((o) => o.name === "put_many")?.count ?? 0);
}

const line = (key: string, value: string) => JSON.stringify({ key, value }) + "\n";

describe("p2p load, get-many and delete-many against 3 real peers", { timeout: 300_000 }, () => {
  let net: Network;
  let dir: string;
  let A: string, B: string, C: string;

  before(async () => {
    assert.ok(existsSync(MAIN), `${MAIN} is missing: run npm run build:core`);
    dir = await mkdtemp(join(tmpdir(), "p2p-cli-batch-"));
    net = await startNetwork(3);
    [A, B, C] = net.peers.map((p) => `http://${p.httpAddress}`) as [string, string, string];
    // Until a lookup has confirmed that its table is the whole network, a peer writes each key
    // of a batch on its own (with lookups), which can take a 1000-key batch past the peer's 5 s
    // deadline on a busy machine: wait, on each peer, for a batch write that needs no lookup.
    for (const url of [A, B, C]) {
      await waitFor(async () => {
        const before = await rpcCount(url, "Store");
        const r = await p2p(["--json", "--peer", url, "load", "-"], line("warm-up", "w"));
        return r.code === 0 && (await rpcCount(url, "Store")) === before;
      }, { timeoutMs: 30_000 });
    }
  });
  after(async () => {
    await net?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("load stores 2500 keys from a file in three PutMany calls", async () => {
    const file = join(dir, "bulk.ndjson");
    let text = "";
    for (let i = 0; i < 2500; i++) text += line(`bulk:${i}`, `value ${i}`) + (i === 10 ? "\n" : "");
    await writeFile(file, text);
    const callsBefore = await putManyCalls(A);
    const r = await p2p(["--json", "--peer", A, "load", file]);
    assert.equal(r.code, 0, r.stderr);
    const { retries, ...summary } = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(summary, { stored: 2500, failed: 0, failedByCode: {}, failures: [], complete: true, batches: 3 }, "1000 + 1000 + 500");
    // Retries (a batch past the peer's deadline on a busy machine) add calls; none are missing.
    const calls = (await putManyCalls(A)) - callsBefore;
    assert.ok(retries === 0 ? calls === 3 : calls > 3, `${calls} PutMany calls, ${String(retries)} retries`);
    const dry = await p2p(["--peer", A, "load", "--dry-run", file]);
    assert.equal(dry.stdout, "2500 keys, every line valid (nothing sent)\n");
    const human = await p2p(["--peer", A, "load", "--batch", "700", "--parallel", "2", file]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout, "stored 2500 keys, 0 failed\n");
    assert.doesNotMatch(human.stderr, /load \[|keys\/s/, "no bar when stderr is not a terminal");
  });

  test("get-many prints key<TAB>value in order through another peer, and a missing key exits 3", async () => {
    const r = await p2p(["--peer", B, "get-many", "bulk:0", "bulk:1234", "bulk:missing", "bulk:2499"]);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, "bulk:0\tvalue 0\nbulk:1234\tvalue 1234\nbulk:missing\t(not found)\nbulk:2499\tvalue 2499\n");
    assert.equal(r.stderr, "p2p: get-many: 1 of 4 keys not found\n");
    const keysFile = join(dir, "keys.txt");
    await writeFile(keysFile, Array.from({ length: 1500 }, (_, i) => `bulk:${i}`).join("\n") + "\n");
    const all = await p2p(["--json", "--peer", C, "get-many", "--keys-from", keysFile]);
    assert.equal(all.code, 0, all.stderr);
    const docs = all.stdout.trim().split("\n").map((l) => JSON.parse(l) as { key: string; value: string });
    assert.equal(docs.length, 1500);
    assert.deepEqual(docs[1499], { key: "bulk:1499", value: "value 1499" });
    const missing = await p2p(["--json", "--peer", C, "get-many", "bulk:nope"]);
    assert.equal(missing.code, 3);
    assert.deepEqual(JSON.parse(missing.stdout), { key: "bulk:nope", error: "key not found", code: "not_found" });
  });

  test("delete-many deletes keys read from stdin; they then read as not found", async () => {
    const keys = Array.from({ length: 100 }, (_, i) => `bulk:${i}`);
    const r = await p2p(["--json", "--peer", C, "delete-many", "--keys-from", "-"], keys.join("\n") + "\n");
    assert.equal(r.code, 0, r.stderr);
    const { retries: _, ...summary } = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(summary, { deleted: 100, failed: 0, failedByCode: {}, failures: [], complete: true, batches: 1 });
    const gone = await p2p(["--peer", A, "get-many", "bulk:5", "bulk:100"]);
    assert.equal(gone.code, 3, gone.stderr);
    assert.equal(gone.stdout, "bulk:5\t(not found)\nbulk:100\tvalue 100\n");
    const args = await p2p(["--peer", A, "delete-many", "bulk:100", "bulk:101"]);
    assert.equal(args.code, 0, args.stderr);
    assert.equal(args.stdout, "deleted 2 keys, 0 failed\n");
  });

  test("load stops at a malformed line (exit 2, naming it) after storing what came before; --dry-run sends nothing", async () => {
    const file = join(dir, "bad.ndjson");
    await writeFile(file, line("bad:1", "a") + line("bad:2", "b") + '{"key":"bad:3","value":3}\n' + line("bad:4", "d"));
    const dry = await p2p(["--peer", A, "load", "--dry-run", file]);
    assert.equal(dry.code, 2);
    assert.equal(dry.stderr, `p2p: load: ${file} line 3: value: expected a string, got a number\n`);
    assert.equal((await p2p(["--peer", A, "get-many", "bad:1"])).code, 3, "the dry run stored nothing");
    const r = await p2p(["--peer", A, "load", file]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "stored 2 keys, 0 failed\n");
    assert.match(r.stderr, /^load stopped: 2 keys done before the error below; [^\n]+\np2p: load: \S+ line 3: value: expected a string, got a number\n$/);
    const got = await p2p(["--peer", B, "get-many", "bad:1", "bad:2", "bad:4"]);
    assert.equal(got.stdout, "bad:1\ta\nbad:2\tb\nbad:4\t(not found)\n");
  });

  test("a value over the peer's limit fails alone (exit 5) and the last line of a key wins", async () => {
    const big = "x".repeat(1024 * 1024 + 1);
    const input = line("dup:k", "first") + line("dup:big", big) + line("dup:other", "o") + line("dup:k", "second");
    const r = await p2p(["--peer", A, "load", "-"], input);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stdout, /^stored 3 keys, 1 failed\n  line 2: "dup:big": resource_exhausted value: 1048577 bytes exceeds the limit of 1048576 bytes\n$/);
    assert.equal(r.stderr, "p2p: load: 1 of 4 keys failed (1 resource_exhausted)\n");
    assert.equal((await p2p(["--peer", C, "get-many", "dup:k"])).stdout, "dup:k\tsecond\n");
  });
});
