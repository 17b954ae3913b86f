/**
 * What a put and a get cost once a few coordinators have warmed up, on a testnet of real joins
 * (createTestnet: every node bootstraps, so routing tables are what a live network builds, not
 * the converged tables of simulation.ts). Measures peer RPCs per operation, all background work
 * included (writes beyond the quorum, read repairs, warming lookups), and the lookups the
 * coordinators ran: at 50-100 nodes the neighbourhood cache lets most operations skip theirs
 * (replication/cached-replicas.ts). `cache: false` measures the same without it.
 */
import { createTestnet } from "../testing/testnet.js";

export interface RepeatedOperationsOptions {
  nodes: number;
  /** Nodes that coordinate every operation (clients talk to a few peers). Default 5. */
  coordinators?: number;
  /** Keys put, then read by every coordinator. Default 60. */
  keys?: number;
  /** Use the neighbourhood cache (default true); false sets neighbourhoodCacheSize 0. */
  cache?: boolean;
}

export interface RepeatedOperationsReport {
  nodes: number;
  cache: boolean;
  /** Peer RPCs per put and per get after the warm-up. */
  putRpcs: number;
  getRpcs: number;
  /** Peer RPCs per get during the warm-up (the first gets of each region pay for warming it). */
  warmupGetRpcs: number;
  /** Lookups the coordinators ran per get after the warm-up, and their mean hops. */
  lookupsPerGet: number;
  hopsPerLookup: number;
}

export async function measureRepeatedOperations(o: RepeatedOperationsOptions): Promise<RepeatedOperationsReport> {
  const cache = o.cache ?? true;
  const count = o.coordinators ?? 5;
  const lookups = { count: 0, hops: 0 };
  const net = await createTestnet(o.nodes, {
    node: { kademlia: { neighbourhoodCacheSize: cache ? 64 : 0 } },
    metricsFor: (_self, i) => (i >= 1 && i <= count ? { lookup: (e) => void (e.type === "lookup-finished" && (lookups.count++, (lookups.hops += e.hops))) } : {}),
  });
  try {
    const coordinators = net.nodes.slice(1, 1 + count);
    const value = new TextEncoder().encode("v");
    const keys = Array.from({ length: o.keys ?? 60 }, (_, i) => `repeated/${i}`);
    const sent = async (run: () => Promise<void>): Promise<number> => {
      const before = net.network.sentTotal;
      await run();
      await Promise.all(net.nodes.map((n) => n.coordinator.idle()));
      return net.network.sentTotal - before;
    };
    const getAll = async () => {
      for (const node of coordinators) for (const key of keys) await node.coordinator.get(key);
    };
    await sent(async () => {
      for (const [i, key] of keys.entries()) await coordinators[i % count]!.coordinator.put(key, value);
    });
    const warmup = await sent(getAll);
    // Warming lookups run in the background: let them land.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const puts = await sent(async () => {
      for (const [i, key] of keys.entries()) await coordinators[i % count]!.coordinator.put(key, value);
    });
    const before = { ...lookups };
    const gets = await sent(getAll);
    const ran = lookups.count - before.count;
    const getCount = keys.length * count;
    return {
      nodes: o.nodes,
      cache,
      putRpcs: puts / keys.length,
      getRpcs: gets / getCount,
      warmupGetRpcs: warmup / getCount,
      lookupsPerGet: ran / getCount,
      hopsPerLookup: ran ? (lookups.hops - before.hops) / ran : 0,
    };
  } finally {
    await net.stop();
  }
}
