/**
 * Batch: keys stored and read per second through one peer of 20 with PutMany / GetMany
 * (1000 keys of 100 bytes per call, a few calls in flight), W=2 and R=3, and the peer RPCs
 * each key cost over the whole network. The targets: ≥ 20,000 keys/s stored and
 * ≥ 40,000 keys/s read, the same rules per key as single-key operations.
 */
import { nodeClient, startNetwork, waitFor, type Network } from "@p2p/launcher";
import { figure, withTarget, type Figure, type SectionResult } from "../lib/figures.js";
import type { BenchOptions } from "../lib/options.js";
import { scrape, sum } from "../lib/prom.js";
import { cpuSeconds } from "../lib/proc.js";

const S = "batch";
const BATCH = 1000;
const IN_FLIGHT = 4;

async function fleetRpcs(net: Network): Promise<number> {
  const all = await Promise.all(net.peers.map((p) => scrape(p.httpAddress!)));
  return all.reduce((t, s) => t + sum(s, "p2p_peer_rpc_total", { side: "client" }), 0);
}

/** Runs `calls` batch calls, IN_FLIGHT at a time; returns the seconds taken. */
async function closedLoop(calls: number, call: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < calls) await call(next++);
  }));
  return (performance.now() - t0) / 1000;
}

export async function runBatch(o: BenchOptions): Promise<Omit<SectionResult, "seconds">> {
  const n = 20;
  const keysPerRep = o.quick ? 20_000 : 40_000;
  const net = await startNetwork(n, { concurrency: 4 });
  const notes: string[] = [];
  try {
    const addr = net.peers[1]!.httpAddress!;
    const client = nodeClient(addr, { binary: true, timeoutMs: 120_000 });
    const infos = net.peers.map((p) => nodeClient(p.httpAddress!, { binary: true }));
    await waitFor(async () => (await Promise.all(infos.map((c) => c.info({})))).every((i) => i.contacts >= n - 1), { timeoutMs: 60_000, what: `${n} peers to know each other` });
    // The coordinator skips lookups once a neighbourhood lookup has confirmed its view (asked for by the first operations).
    const storesOf = async () => sum(await scrape(addr), "p2p_peer_rpc_total", { method: "Store", side: "client" });
    await waitFor(async () => {
      const before = await storesOf();
      await client.putMany({ entries: [{ key: "warm-up", value: "w" }] });
      return (await storesOf()) === before;
    }, { timeoutMs: 30_000, what: "batch writes without lookups" });

    const value = "x".repeat(100);
    // One full batch each way first: a peer that has run for a while has its hot code compiled;
    // twenty fresh processes run it interpreted at first, several times slower per record.
    const warm = Array.from({ length: BATCH }, (_, i) => ({ key: `warm-${i}`, value }));
    await client.putMany({ entries: warm });
    await client.getMany({ keys: warm.map((e) => e.key) });
    const put: number[] = [];
    const get: number[] = [];
    const putRpcs: number[] = [];
    const getRpcs: number[] = [];
    const cpuPerKey: number[] = [];
    const pids = net.peers.map((p) => p.pid);
    const fleetCpu = () => pids.reduce((t, pid) => t + (cpuSeconds(pid) ?? 0), 0);
    let failures = 0;
    for (let r = 0; r < o.reps; r++) {
      const calls = keysPerRep / BATCH;
      const keyOf = (call: number, i: number) => `batch-${r}-${call}-${i}`;
      const rpc0 = await fleetRpcs(net);
      const cpu0 = fleetCpu();
      const putSeconds = await closedLoop(calls, async (c) => {
        const res = await client.putMany({ entries: Array.from({ length: BATCH }, (_, i) => ({ key: keyOf(c, i), value })) });
        failures += res.failed;
      });
      const cpu1 = fleetCpu();
      const rpc1 = await fleetRpcs(net);
      const getSeconds = await closedLoop(calls, async (c) => {
        const res = await client.getMany({ keys: Array.from({ length: BATCH }, (_, i) => keyOf(c, i)) });
        failures += res.failed + res.missing;
      });
      const rpc2 = await fleetRpcs(net);
      put.push(keysPerRep / putSeconds);
      get.push(keysPerRep / getSeconds);
      putRpcs.push((rpc1 - rpc0) / keysPerRep);
      getRpcs.push((rpc2 - rpc1) / keysPerRep);
      cpuPerKey.push(((cpu1 - cpu0) * 1e6) / keysPerRep);
    }
    if (failures > 0) notes.push(`${failures} keys failed or were missing during the batch runs`);
    const figures: Figure[] = [
      withTarget(figure(S, `${n} peers: PutMany keys stored per second (100 B values, W=2, R=3)`, "keys/s", put), "≥ 20,000 keys/s", (f) => f.value.median >= 20_000),
      withTarget(figure(S, `${n} peers: GetMany keys read per second`, "keys/s", get), "≥ 40,000 keys/s", (f) => f.value.median >= 40_000),
      figure(S, `${n} peers: peer RPCs per key stored`, "msgs", putRpcs),
      figure(S, `${n} peers: peer RPCs per key read`, "msgs", getRpcs),
      figure(S, `${n} peers: CPU per key stored, summed over the fleet`, "µs", cpuPerKey),
    ];
    notes.push(`${BATCH} keys per call, ${IN_FLIGHT} calls in flight, through one peer over Connect binary (HTTP/1.1), ${keysPerRep} keys per repetition, after one warm-up batch each way`);
    return { section: S, status: "ok", figures, notes };
  } finally {
    await net.stop();
  }
}
