/**
 * `node --conditions=source --import tsx bench/profile-batch.ts [--peers 20] [--keys 20000] [--top 25] [--in-flight 4] [--only-put]`:
 * CPU-profiles a batch coordinator and one of its replicas under PutMany and GetMany (1000
 * keys of 100 bytes per call, 4 in flight), and prints keys per second, CPU per key over the
 * whole fleet, and where each profiled peer's busy time goes (inclusive and self time): what
 * the batch figures of `npm run bench` leave on the table.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { nodeClient, startNetwork, waitFor } from "@p2p/launcher";
import { profileTimes, type CpuProfile } from "./lib/cpu-profile.js";
import { cpuSeconds } from "./lib/proc.js";
import { scrape, sum } from "./lib/prom.js";

const { values } = parseArgs({ options: { peers: { type: "string", default: "20" }, keys: { type: "string", default: "20000" }, top: { type: "string", default: "25" }, "in-flight": { type: "string", default: "4" }, "only-put": { type: "boolean", default: false } } });
const inFlight = Number(values["in-flight"]);
const n = Number(values.peers);
const keys = Number(values.keys);
const BATCH = 1000;
const dir = mkdtempSync(join(tmpdir(), "p2p-prof-batch-"));
const net = await startNetwork(n - 2, { concurrency: 4 });
try {
  const wrapper = (name: string) => {
    const path = join(dir, `${name}.sh`);
    writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" --cpu-prof --cpu-prof-dir="${join(dir, name)}" "$@"\n`, { mode: 0o755 });
    return path;
  };
  const coordinator = await net.add({ nodeBinary: wrapper("coordinator") });
  const replica = await net.add({ nodeBinary: wrapper("replica") });
  const infos = net.peers.map((p) => nodeClient(p.httpAddress!, { binary: true }));
  await waitFor(async () => (await Promise.all(infos.map((c) => c.info({})))).every((i) => i.contacts >= Math.min(n - 1, 20)), { timeoutMs: 90_000, what: "routing tables" });
  const c = nodeClient(coordinator.httpAddress!, { binary: true, timeoutMs: 60_000 });
  const stores = async () => sum(await scrape(coordinator.httpAddress!), "p2p_peer_rpc_total", { method: "Store", side: "client" });
  await waitFor(async () => {
    const before = await stores();
    await c.putMany({ entries: [{ key: "warm-up", value: "w" }] });
    return (await stores()) === before;
  }, { timeoutMs: 30_000, what: "batch writes without lookups" });
  const fleetCpu = () => net.peers.reduce((t, p) => t + (cpuSeconds(p.pid) ?? 0), 0);
  const run = async (what: string, call: (i: number) => Promise<unknown>) => {
    let next = 0;
    const cpu0 = fleetCpu();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < keys / BATCH) await call(next++);
    }));
    const secs = (performance.now() - t0) / 1000;
    console.log(`${what}: ${(keys / secs).toFixed(0)} keys/s, ${((1e6 * (fleetCpu() - cpu0)) / keys).toFixed(0)} µs CPU per key over ${n} peers`);
  };
  const value = "x".repeat(100);
  await run("PutMany", (b) => c.putMany({ entries: Array.from({ length: BATCH }, (_, i) => ({ key: `p-${b}-${i}`, value })) }));
  if (!values["only-put"]) await run("GetMany", (b) => c.getMany({ keys: Array.from({ length: BATCH }, (_, i) => `p-${b}-${i}`) }));
  await coordinator.stop();
  await replica.stop();
  for (const name of ["coordinator", "replica"]) {
    const file = readdirSync(join(dir, name)).find((f) => f.endsWith(".cpuprofile"))!;
    const t = profileTimes(JSON.parse(readFileSync(join(dir, name, file), "utf8")) as CpuProfile, Number(values.top));
    console.log(`\n${name}: ${(t.busyMs / 1000).toFixed(1)} s busy; by inclusive time:`);
    for (const f of t.inclusive) console.log(`${f.pct.toFixed(1).padStart(5)}% ${f.ms.toFixed(0).padStart(6)} ms  ${f.fn}`);
    console.log(`${name}: by self time:`);
    for (const f of t.self.slice(0, 12)) console.log(`${f.pct.toFixed(1).padStart(5)}% ${f.ms.toFixed(0).padStart(6)} ms  ${f.fn}`);
  }
} finally {
  await net.stop();
}
process.exit(0);
