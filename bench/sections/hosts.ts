/**
 * Hosts: the network across test hosts (network namespaces on this machine, each peer on its
 * own address, @p2p/netns). Put/get latency through one peer as a client on another address
 * sees it (veth + bridge instead of loopback; ratio to the loopback gRPC floor of the same
 * run), and how fast a partition heals: a 2|3 split for 10 s with writes through both sides,
 * then the time until every routing table is whole again and until repair has settled.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { HostPeers } from "@p2p/fleet";
import { nodeClient } from "@p2p/launcher";
import { createTestHosts, partitionsUnavailable } from "@p2p/netns";
import { waitForSettled } from "../../apps/fleet/src/chaos/settle.js";
import { figure, withFloor, type Figure, type SectionResult } from "../lib/figures.js";
import { sequentialLatency } from "../lib/load.js";
import type { BenchOptions } from "../lib/options.js";
import { latencyPercentiles } from "../lib/stats.js";
import type { Floors } from "./floor.js";

const S = "hosts";
const HOSTS = 5;
const SPLIT_MS = 10_000;

export async function runHosts(o: BenchOptions, floors: Floors): Promise<Omit<SectionResult, "seconds">> {
  const why = await partitionsUnavailable();
  if (why) return { section: S, status: `not available: ${why}`, figures: [], notes: [] };
  const hosts = await createTestHosts({ count: HOSTS });
  let peers: HostPeers | undefined;
  try {
    peers = await HostPeers.start(hosts, { args: ["--rpc-timeout-ms", "500", "--log-level", "warn"] });
    const client = nodeClient(peers.peer("h2").httpAddress!, { binary: true });
    const value = "x".repeat(100);
    await sequentialLatency((i) => client.put({ key: `warm-${i}`, value }), 20);
    const lat: Record<string, number[]> = {};
    const add = (name: string, v: number) => (lat[name] ??= []).push(v);
    for (let r = 0; r < o.reps; r++) {
      const keys = Array.from({ length: o.latencyCalls }, (_, i) => `hosts-${r}-${i}`);
      const puts = latencyPercentiles(await sequentialLatency((i) => client.put({ key: keys[i]!, value }), keys.length));
      const gets = latencyPercentiles(await sequentialLatency((i) => client.get({ key: keys[i]! }), keys.length));
      for (const q of ["p50", "p99"] as const) {
        add(`${HOSTS} hosts: Connect binary put ${q}`, puts[q]);
        add(`${HOSTS} hosts: Connect binary get ${q}`, gets[q]);
      }
    }
    const figures: Figure[] = Object.entries(lat).map(([name, values]) => withFloor(figure(S, name, "ms", values), floors.grpcP50));

    const tables: number[] = [];
    const settled: number[] = [];
    for (let r = 0; r < (o.quick ? 1 : 3); r++) {
      await hosts.partition([["h1", "h2"], ["h3", "h4", "h5"]]);
      const stop = AbortSignal.timeout(SPLIT_MS);
      const write = async (host: string) => {
        const c = nodeClient(peers!.peer(host).httpAddress!, { timeoutMs: 4000 });
        for (let i = 0; !stop.aborted; i++) await c.put({ key: `split-${r}-${host}-${i % 50}`, value }).catch(() => sleep(100));
      };
      await Promise.all([write("h1"), write("h4")]);
      await hosts.partition([]);
      const healed = performance.now();
      await peers.waitForCompleteTables(60_000);
      tables.push(performance.now() - healed);
      if (!(await waitForSettled(peers.targets(), 60_000))) throw new Error("repair did not settle within 60 s of the heal");
      settled.push(performance.now() - healed);
    }
    figures.push(
      figure(S, `2|3 partition of ${SPLIT_MS / 1000} s with writes: routing tables whole again after the heal`, "ms", tables),
      figure(S, `2|3 partition of ${SPLIT_MS / 1000} s with writes: repair settled after the heal`, "ms", settled),
    );
    return {
      section: S,
      status: "ok",
      figures,
      notes: [
        `${HOSTS} test hosts (network namespaces joined by a bridge), one peer each on its own address, peer call deadline 500 ms; the client runs on the observer's address. Latency ratios are to the loopback gRPC floor of the same run.`,
        "Partitions drop frames between sides in the bridge (nftables); no latency is added across hosts (no netem here).",
      ],
    };
  } finally {
    await peers?.stop();
    await hosts.destroy();
  }
}
