/**
 * Builds deploy/docker/peer.Dockerfile and runs the image: the peer is PID 1, answers /healthz
 * and /readyz on the published HTTP port (its gRPC port is TLS with peer certificates, which
 * plain health probes do not speak), and exits 0 on SIGTERM
 * (docker stop). Needs a working container engine (docker or podman); without one it skips,
 * saying why in its one skip line. The first build takes minutes (npm ci, tsc); later ones
 * reuse the engine's layer cache.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const IMAGE = "p2p-peer:image-test";

function run(cmd: string, args: string[], timeoutMs = 30_000): { ok: boolean; out: string; err: string } {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", timeout: timeoutMs });
  if (r.error) return { ok: false, out: "", err: (r.error as NodeJS.ErrnoException).code === "ENOENT" ? "not installed" : r.error.message };
  return { ok: r.status === 0, out: r.stdout.trim(), err: r.stderr.trim() };
}

/** The first engine whose `info` works, or why none does. */
function findEngine(): { engine: string } | { reason: string } {
  const why: string[] = [];
  for (const engine of ["docker", "podman"]) {
    const r = run(engine, ["info"], 15_000);
    if (r.ok) return { engine };
    why.push(`${engine} info: ${(r.err.split("\n").find((l) => l.trim()) ?? "failed").trim()}`);
  }
  return { reason: `no working container engine (${why.join("; ")}); the peer image was not built` };
}

test("the peer image builds, runs the peer as PID 1, answers health checks and stops cleanly on SIGTERM", { timeout: 20 * 60_000 }, async (t) => {
  const found = findEngine();
  if ("reason" in found) {
    t.skip(found.reason);
    return;
  }
  const { engine } = found;
  const build = run(engine, ["build", "-f", "deploy/docker/peer.Dockerfile", "-t", IMAGE, "."], 15 * 60_000);
  assert.ok(build.ok, `${engine} build failed:\n${build.err.slice(-4000)}`);

  const name = `p2p-peer-image-test-${process.pid}`;
  const started = run(engine, ["run", "-d", "--name", name, "-p", "127.0.0.1::8001", "-p", "127.0.0.1::9001", IMAGE]);
  assert.ok(started.ok, started.err);
  try {
    const published = run(engine, ["port", name, "8001/tcp"]).out.split("\n")[0]!;
    const httpPort = Number(published.slice(published.lastIndexOf(":") + 1));
    let health: { status?: string } = {};
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(250)) {
      health = await fetch(`http://127.0.0.1:${httpPort}/healthz`).then((r) => (r.ok ? r.json() : {}), () => ({}));
      if (health.status === "ok") break;
    }
    assert.equal(health.status, "ok", `no /healthz answer; logs:\n${run(engine, ["logs", name]).err}`);

    const readyz = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
    assert.equal(readyz.status, 200, await readyz.text());
    const pid1 = run(engine, ["exec", name, "cat", "/proc/1/cmdline"]).out.split("\0");
    assert.deepEqual(pid1.slice(0, 2), ["node", "apps/peer/dist/main.js"]);
    assert.equal(run(engine, ["exec", name, "id", "-u"]).out, "1000");

    // SIGTERM, then SIGKILL after 30 s: a clean stop is exit code 0 well before that.
    const t0 = Date.now();
    assert.ok(run(engine, ["stop", "-t", "30", name], 60_000).ok);
    assert.ok(Date.now() - t0 < 20_000, "the peer did not stop on SIGTERM");
    assert.equal(run(engine, ["inspect", "-f", "{{.State.ExitCode}}", name]).out, "0");
    assert.match(run(engine, ["logs", name]).out, /"msg":"stopped"/);
  } finally {
    run(engine, ["rm", "-f", name]);
  }
});
