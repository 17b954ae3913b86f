/**
 * Hedge: get latency through one peer of 5 while one replica of every key read is paused
 * (SIGSTOP, as a long GC pause or a stuck VM looks), with hedged reads off and on. Without
 * hedging a get that asked the paused replica waits for its call's deadline (--rpc-timeout-ms)
 * before asking the third; with hedging it asks the third once the paused one is slower than
 * its usual latency (quorum-read.ts). The target: p99 with a paused replica ≤ 3× p99
 * without, hedging on.
 */
import { createHash } from "node:crypto";
import { nodeClient, startNetwork, waitFor, type PeerProcess } from "@p2p/launcher";
import { figure, withTarget, type Figure, type SectionResult } from "../lib/figures.js";
import { sequentialLatency } from "../lib/load.js";
import type { BenchOptions } from "../lib/options.js";
import { latencyPercentiles } from "../lib/stats.js";

const S = "hedge";
const N = 5;
const R = 3;
/** Shorter than the default 2000 ms so the unhedged run fits the quick budget; still far above a loopback read. */
const RPC_TIMEOUT_MS = 1000;

/** XOR distance of two 64-hex-digit IDs (the DHT's metric), as a bigint. */
const distance = (a: string, b: string) => BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
const position = (key: string) => createHash("sha256").update(key, "utf8").digest("hex");

/**
 * Keys whose two closest peers (the two a read asks first) include `victim` and whose R
 * closest exclude `coordinator` (its own copy would count as an answer): every get of them
 * asks the paused peer.
 */
function keysAskingVictim(ids: readonly string[], victim: string, coordinator: string, count: number, tag: string): string[] {
  const keys: string[] = [];
  // Bounded: when the victim and the coordinator are each other's closest peers, a key close to
  // one is close to the other, and no key qualifies (the search used to spin forever).
  for (let i = 0; keys.length < count && i < count * 1000; i++) {
    const key = `hedge-${tag}-${i}`;
    const p = position(key);
    const order = [...ids].sort((a, b) => (distance(a, p) < distance(b, p) ? -1 : distance(a, p) > distance(b, p) ? 1 : 0));
    if (order.slice(0, 2).includes(victim) && !order.slice(0, R).includes(coordinator)) keys.push(key);
  }
  return keys;
}

interface Run {
  p50: number[];
  p99: number[];
  pausedP50: number[];
  pausedP99: number[];
  /** With `batch`: one GetMany of the keys, ms, calm and with the replica paused (single gets are then not measured). */
  batch: number[];
  pausedBatch: number[];
}

/**
 * With `batch`, one repetition whose pause times one GetMany of the keys instead of single gets:
 * the failed or hedged calls of the paused window change what the coordinator knows of the
 * paused peer, so a second measurement in the same network would not ask it the same way.
 */
async function measure(hedge: boolean, o: BenchOptions, calls: number, batch = false): Promise<Run> {
  const net = await startNetwork(N, {
    concurrency: 4,
    peer: { args: ["--rpc-timeout-ms", String(RPC_TIMEOUT_MS)], env: { P2P_HEDGE_READS: hedge ? "1" : "0" } },
  });
  let paused: PeerProcess | undefined;
  try {
    const infos = net.peers.map((p) => nodeClient(p.httpAddress!, { binary: true }));
    await waitFor(async () => (await Promise.all(infos.map((c) => c.info({})))).every((i) => i.contacts >= N - 1), { timeoutMs: 60_000, what: `${N} peers to know each other` });
    const coordinator = net.peers[1]!; // not the bootstrap peer
    const ids = net.peers.map((p) => p.id!);
    // A victim (not the bootstrap, not the coordinator) for which enough keys ask it first.
    const victim = net.peers.slice(2).find((p) => keysAskingVictim(ids, p.id!, coordinator.id!, calls, "probe").length === calls);
    if (!victim) throw new Error("no peer of the network is asked first by enough keys that spare the coordinator");
    const client = nodeClient(coordinator.httpAddress!, { binary: true });
    const run: Run = { p50: [], p99: [], pausedP50: [], pausedP99: [], batch: [], pausedBatch: [] };
    const timedGetMany = async (keys: string[]) => {
      const t = performance.now();
      const res = await client.getMany({ keys });
      if (res.results.length !== keys.length) throw new Error(`GetMany answered ${res.results.length} of ${keys.length} keys`);
      return performance.now() - t;
    };
    for (let r = 0; r < o.reps; r++) {
      const keys = keysAskingVictim(ids, victim.id!, coordinator.id!, calls, `${r}`);
      for (const key of keys) await client.put({ key, value: "x".repeat(100) });
      // Warm: the coordinator learns every replica's usual latency (the hedge delay waits by it).
      await sequentialLatency((i) => client.get({ key: keys[i % keys.length]! }), calls);
      if (batch) {
        run.batch.push(await timedGetMany(keys));
        victim.signal("SIGSTOP");
        paused = victim;
        run.pausedBatch.push(await timedGetMany(keys));
        break;
      }
      const calm = latencyPercentiles(await sequentialLatency((i) => client.get({ key: keys[i]! }), calls));
      run.p50.push(calm.p50);
      run.p99.push(calm.p99);
      victim.signal("SIGSTOP");
      paused = victim;
      const stalled = latencyPercentiles(await sequentialLatency((i) => client.get({ key: keys[i]! }), calls));
      victim.signal("SIGCONT");
      paused = undefined;
      run.pausedP50.push(stalled.p50);
      run.pausedP99.push(stalled.p99);
      // The resumed peer answers again before the next repetition measures a calm network.
      await waitFor(async () => (await nodeClient(victim.httpAddress!, { binary: true }).info({})).contacts >= 1, { timeoutMs: 30_000, what: "the paused peer to answer again" });
    }
    return run;
  } finally {
    paused?.signal("SIGCONT");
    await net.stop();
  }
}

export async function runHedge(o: BenchOptions): Promise<Omit<SectionResult, "seconds">> {
  const calls = o.quick ? 30 : 100;
  const off = await measure(false, o, calls);
  const on = await measure(true, o, calls);
  const batchOff = await measure(false, o, calls, true);
  const batchOn = await measure(true, o, calls, true);
  const f = (name: string, values: number[]) => figure(S, `${N} peers: get ${name}`, "ms", values);
  const onPausedP99 = f("p99, one replica paused, hedging on", on.pausedP99);
  const onP99 = f("p99, hedging on", on.p99);
  const figures: Figure[] = [
    f("p50, hedging off", off.p50),
    f("p99, hedging off", off.p99),
    f("p50, one replica paused, hedging off", off.pausedP50),
    f("p99, one replica paused, hedging off", off.pausedP99),
    f("p50, hedging on", on.p50),
    onP99,
    f("p50, one replica paused, hedging on", on.pausedP50),
    withTarget(onPausedP99, "≤ 3× p99 without a paused replica", (x) => x.value.median <= 3 * onP99.value.median),
    figure(S, `${N} peers: one GetMany of the ${calls} keys, hedging off`, "ms", batchOff.batch),
    figure(S, `${N} peers: one GetMany of the ${calls} keys, one replica paused, hedging off`, "ms", batchOff.pausedBatch),
    figure(S, `${N} peers: one GetMany of the ${calls} keys, hedging on`, "ms", batchOn.batch),
    figure(S, `${N} peers: one GetMany of the ${calls} keys, one replica paused, hedging on`, "ms", batchOn.pausedBatch),
  ];
  const notes = [
    `through peer 1 of ${N} (Connect binary), ${calls} sequential gets per repetition, keys chosen so one of the two replicas a read asks first is the paused peer and the coordinator holds no copy; --rpc-timeout-ms ${RPC_TIMEOUT_MS}; hedging off/on by P2P_HEDGE_READS, other hedge settings default`,
    `GetMany: a fresh network per mode, the same kind of keys, warmed by single gets, then one GetMany calm and one with the replica paused (one repetition: the paused window changes what the coordinator knows of the peer). One FindValueMany per replica, whose deadline grows with the batch (--rpc-timeout-ms per 50 keys); with hedging, a replica silent past its stuck time has its keys read one by one instead (batch-read.ts)`,
  ];
  return { section: S, status: "ok", figures, notes };
}
