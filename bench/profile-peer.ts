/**
 * `node --conditions=source --import tsx bench/profile-peer.ts [--peers 20] [--calls 200] [--out dir]
 * [--no-prof] [--node-flags "--optimize-for-size"]`:
 * CPU-profiles the peer that coordinates client calls, for finding hot paths on a noisy
 * machine where wall-clock figures alone mislead. Starts n-1 peers, then one more with
 * `--cpu-prof`, runs sequential puts and gets and a closed-loop get/put load through it,
 * prints p50s, peer RPCs per operation (from every peer's /metrics) and the top functions by
 * self time of the profile (written when the peer exits on SIGTERM).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { nodeClient, startNetwork, waitFor } from "@p2p/launcher";
import { sequentialLatency, throughput } from "./lib/load.js";
import { cpuSeconds, rssBytes } from "./lib/proc.js";
import { scrape, sum } from "./lib/prom.js";
import { latencyPercentiles } from "./lib/stats.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (ms), the largest first. */
export function topSelfTime(profile: CpuProfile, top: number): { fn: string; ms: number; pct: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const url = n.callFrame.url.replace(/^.*\/node_modules\//, "~/").replace(/^.*\/work\/[^/]+\//, "");
    const key = `${n.callFrame.functionName || "(anonymous)"} ${url}:${n.callFrame.lineNumber + 1}`;
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, ms]) => ({ fn, ms, pct: (100 * ms) / total }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { "no-prof": { type: "boolean", default: false }, "node-flags": { type: "string", default: "" }, "files-mib": { type: "string", default: "0" }, peers: { type: "string", default: "20" }, calls: { type: "string", default: "200" }, out: { type: "string" }, top: { type: "string", default: "40" } },
  });
  const n = Number(values.peers);
  const calls = Number(values.calls);
  const profDir = values.out ?? mkdtempSync(join(tmpdir(), "p2p-prof-"));
  const net = await startNetwork(n - 1, { concurrency: 4 });
  try {
    // NODE_OPTIONS refuses --cpu-prof: a wrapper script passes it (exec keeps the PID).
    const wrapper = join(profDir, "node-cpu-prof.sh");
    const profFlags = values["no-prof"] ? "" : `--cpu-prof --cpu-prof-dir="${profDir}"`;
    writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" ${profFlags} ${values["node-flags"]} "$@"\n`, { mode: 0o755 });
    const target = await net.add({ nodeBinary: wrapper });
    const infos = net.peers.map((p) => nodeClient(p.httpAddress!, { binary: true }));
    await waitFor(async () => (await Promise.all(infos.map((c) => c.info({})))).every((i) => i.contacts >= Math.min(n - 1, 20)), {
      timeoutMs: 60_000,
      what: "routing tables",
    });
    const fileMiB = Number(values["files-mib"]);
    if (fileMiB > 0) {
      // Files instead of records: upload through the profiled peer, download through another.
      const data = randomBytes(fileMiB * 2 ** 20);
      const c0 = cpuSeconds(target.pid) ?? 0;
      let t = performance.now();
      const up = await fetch(`http://${target.httpAddress}/files/profile.bin`, { method: "PUT", body: data, headers: { "content-type": "application/octet-stream" } });
      const upSecs = (performance.now() - t) / 1000;
      const body = (await up.json()) as { id?: string };
      if (!up.ok || typeof body.id !== "string") throw new Error(`PUT /files: HTTP ${up.status} ${JSON.stringify(body)}`);
      const c1 = cpuSeconds(target.pid) ?? 0;
      t = performance.now();
      const down = await fetch(`http://${target.httpAddress}/files/${body.id}`);
      const bytes = (await down.arrayBuffer()).byteLength;
      const downSecs = (performance.now() - t) / 1000;
      const c2 = cpuSeconds(target.pid) ?? 0;
      console.log(`upload ${(data.length / 1e6 / upSecs).toFixed(1)} MB/s (coordinator CPU ${(c1 - c0).toFixed(2)} s), download through the same peer ${(bytes / 1e6 / downSecs).toFixed(1)} MB/s (CPU ${(c2 - c1).toFixed(2)} s)`);
    }
    if (fileMiB === 0) {
      const c = nodeClient(target.httpAddress!, { binary: true });
      const rpcs = async () => (await Promise.all(net.peers.map((p) => scrape(p.httpAddress!)))).reduce((t, s) => t + sum(s, "p2p_peer_rpc_total", { side: "client" }), 0);
      // CPU ms per operation (/proc, 10 ms ticks: use enough calls): the coordinator, all peers.
      const cpu = () => ({ target: cpuSeconds(target.pid) ?? 0, all: net.peers.reduce((t, p) => t + (cpuSeconds(p.pid) ?? 0), 0) });
      const perOp = (a: { target: number; all: number }, b: { target: number; all: number }, ops: number) =>
        `coordinator ${((1000 * (b.target - a.target)) / ops).toFixed(2)} ms, all peers ${((1000 * (b.all - a.all)) / ops).toFixed(2)} ms CPU per op`;
      const value = "x".repeat(100);
      await sequentialLatency((i) => c.put({ key: `warm-${i}`, value }), 50);
      await sequentialLatency((i) => c.get({ key: `warm-${i}` }), 50);
      // Background cost (anti-entropy, keepalives, the profiler itself) over 5 s at rest.
      const b0 = cpu();
      const tb = performance.now();
      await new Promise((r) => setTimeout(r, 5000));
      const b1 = cpu();
      const restSecs = (performance.now() - tb) / 1000;
      console.log(`at rest: coordinator ${((100 * (b1.target - b0.target)) / restSecs).toFixed(2)}% of a core, all peers ${((100 * (b1.all - b0.all)) / restSecs).toFixed(2)}%`);
      const r0 = await rpcs();
      const c0 = cpu();
      const puts = latencyPercentiles(await sequentialLatency((i) => c.put({ key: `k-${i}`, value }), calls));
      const c1 = cpu();
      const r1 = await rpcs();
      const gets = latencyPercentiles(await sequentialLatency((i) => c.get({ key: `k-${i}` }), calls));
      const c2 = cpu();
      const r2 = await rpcs();
      const tg = await throughput((i) => c.get({ key: `k-${i % calls}` }), 64, 3000);
      const c3 = cpu();
      const tp = await throughput((i) => c.put({ key: `t-${i}`, value }), 64, 3000);
      const c4 = cpu();
      console.log(`sequential put: ${perOp(c0, c1, calls)}; get: ${perOp(c1, c2, calls)}`);
      console.log(`loaded get: ${perOp(c2, c3, tg.rps * 3)}; put: ${perOp(c3, c4, tp.rps * 3)}`);
      console.log(`put p50 ${puts.p50.toFixed(2)} ms p99 ${puts.p99.toFixed(2)}; get p50 ${gets.p50.toFixed(2)} ms p99 ${gets.p99.toFixed(2)}`);
      console.log(`peer RPCs per put ${((r1 - r0) / calls).toFixed(2)}, per get ${((r2 - r1) / calls).toFixed(2)}`);
      console.log(`get ${tg.rps.toFixed(0)} req/s (${tg.errors} errors), put ${tp.rps.toFixed(0)} req/s (${tp.errors} errors) at 64 in flight`);
    }
    console.log(`coordinator RSS ${((rssBytes(target.pid) ?? 0) / 2 ** 20).toFixed(1)} MiB`);
    await target.stop();
    if (values["no-prof"]) return;
    const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error(`no .cpuprofile in ${profDir}`);
    const profile = JSON.parse(readFileSync(join(profDir, file), "utf8")) as CpuProfile;
    console.log(`profile ${join(profDir, file)}; top self time:`);
    for (const t of topSelfTime(profile, Number(values.top))) console.log(`${t.pct.toFixed(1).padStart(5)}% ${t.ms.toFixed(0).padStart(6)} ms  ${t.fn}`);
  } finally {
    await net.stop();
  }
}

await main();
process.exit(0);
