/**
 * Owned records through the built `p2p` binary against 3 real peers: keygen writes a 0600 key
 * and prints the public key; put --sign signs locally (auto seq, explicit seq, CAS); get
 * --owner verifies the signature here; a lower seq and a wrong CAS exit 5 naming the current seq.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startNetwork, type Network } from "@p2p/launcher";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

function p2p(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, P2P_PEER: "" } });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe("p2p owned records against 3 real peers", { timeout: 180_000 }, () => {
  let net: Network;
  let dir: string;
  let A: string, B: string;

  before(async () => {
    assert.ok(existsSync(MAIN), `${MAIN} is missing: run npm run build:core`);
    dir = await mkdtemp(join(tmpdir(), "p2p-cli-owned-"));
    net = await startNetwork(3);
    [A, B] = net.peers.map((p) => `http://${p.httpAddress}`) as [string, string];
  });
  after(async () => {
    await net?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("keygen, put --sign (auto seq, explicit seq, CAS), get --owner verified here, conflicts exit 5 with the current seq", async () => {
    const keyFile = join(dir, "owner.key");
    const made = await p2p(["--peer", A, "keygen", "-o", keyFile]);
    assert.equal(made.code, 0, made.stderr);
    const owner = made.stdout.trim();
    assert.match(owner, /^[0-9a-f]{64}$/);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.match(await readFile(keyFile, "utf8"), /BEGIN PRIVATE KEY/);
    assert.equal((await p2p(["--peer", A, "keygen", "-o", keyFile])).code, 2, "an existing key is never overwritten");

    const first = await p2p(["--json", "--peer", A, "put", "--sign", keyFile, "profile", "v0"]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).seq, "0");
    assert.equal((await p2p(["--peer", A, "put", "--sign", keyFile, "profile", "v1"])).code, 0);
    const got = await p2p(["--json", "--peer", B, "get", "--owner", owner, "profile"]);
    assert.equal(got.code, 0, got.stderr);
    const doc = JSON.parse(got.stdout) as { value: string; seq: string; verified: boolean };
    assert.deepEqual([doc.value, doc.seq, doc.verified], ["v1", "1", true]);
    assert.equal((await p2p(["--peer", B, "get", "--owner", owner, "--salt", "profile"])).stdout, "v1\n");

    const lower = await p2p(["--peer", A, "put", "--sign", keyFile, "--seq", "0", "profile", "old"]);
    assert.equal(lower.code, 5, lower.stderr);
    assert.match(lower.stderr, /below the current seq 1.*\(current seq: 1\)/);
    const cas = await p2p(["--peer", A, "put", "--sign", keyFile, "--seq", "5", "--cas", "4", "profile", "v5"]);
    assert.equal(cas.code, 5, cas.stderr);
    assert.match(cas.stderr, /current seq: 1/);
    assert.equal((await p2p(["--peer", A, "put", "--sign", keyFile, "--seq", "5", "--cas", "1", "profile", "v5"])).code, 0);
    assert.equal((await p2p(["--peer", B, "get", "--owner", owner, "profile"])).stdout, "v5\n");

    const missing = await p2p(["--peer", B, "get", "--owner", owner, "nothing-here"]);
    assert.equal(missing.code, 3, missing.stderr);
    assert.equal((await p2p(["--peer", A, "put", "--seq", "3", "k", "v"])).code, 2, "--seq without --sign is a usage error");
  });
});
