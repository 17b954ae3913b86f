/**
 * Records: put/get latency through one peer by Connect (binary and JSON) and by the REST
 * routes, for networks of several sizes; throughput at a concurrency through one peer and
 * spread over all peers; peer RPCs and lookup hops per operation from the peers' /metrics.
 */
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { NodeService } from "@p2p/proto/node";
import { nodeClient, startNetwork, waitFor, type Network, type NodeClient } from "@p2p/launcher";
import { figure, withFloor, withTarget, type Figure, type SectionResult } from "../lib/figures.js";
import { sequentialLatency, throughput } from "../lib/load.js";
import type { BenchOptions } from "../lib/options.js";
import { cpuSeconds } from "../lib/proc.js";
import { scrape, sum, type Samples } from "../lib/prom.js";
import { restClient } from "../lib/rest-client.js";
import { latencyPercentiles } from "../lib/stats.js";
import type { Floors } from "./floor.js";

const S = "records";

interface Api {
  name: string;
  put(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<unknown>;
}

/** Peer RPCs the network sent (client side, every peer) and lookups/hops at one peer. */
async function costs(net: Network, coordinator: string): Promise<{ rpcs: number; lookups: number; hops: number }> {
  const all = await Promise.all(net.peers.map((p) => scrape(p.httpAddress!)));
  const mine: Samples = all[net.peers.findIndex((p) => p.httpAddress === coordinator)] ?? [];
  return {
    rpcs: all.reduce((t, s) => t + sum(s, "p2p_peer_rpc_total", { side: "client" }), 0),
    lookups: sum(mine, "p2p_lookup_hops_count"),
    hops: sum(mine, "p2p_lookup_hops_sum"),
  };
}

async function measureNetwork(n: number, o: BenchOptions, floors: Floors, notes: string[]): Promise<{ figures: Figure[]; startSeconds: number }> {
  const t0 = Date.now();
  const net = await startNetwork(n, { concurrency: 4 });
  const figures: Figure[] = [];
  const clients: NodeClient[] = [];
  const rest = restClient(net.peers[1]!.httpAddress!);
  let h2: Http2SessionManager | undefined;
  try {
    const startSeconds = (Date.now() - t0) / 1000;
    // Routable: every peer knows min(n-1, 20) others.
    const infoClients = net.peers.map((p) => nodeClient(p.httpAddress!, { binary: true }));
    await waitFor(
      async () => (await Promise.all(infoClients.map((c) => c.info({})))).every((i) => i.contacts >= Math.min(n - 1, 20)),
      { timeoutMs: 60_000, what: `${n} peers to know each other` },
    );
    const target = net.peers[1]!; // not the bootstrap peer: it is no one's special case
    const addr = target.httpAddress!;
    const binary = nodeClient(addr, { binary: true });
    const json = nodeClient(addr);
    clients.push(binary, json);
    // The public API's gRPC protocol over one HTTP/2 connection (the port serves h2c too):
    // the same framing as the gRPC floor, so its ratio shows what the peer itself adds.
    h2 = new Http2SessionManager(`http://${addr}`);
    const grpc = createClient(NodeService, createGrpcTransport({ baseUrl: `http://${addr}`, sessionManager: h2, defaultTimeoutMs: 5000 }));
    const apis: Api[] = [
      { name: "Connect binary", put: (k, v) => binary.put({ key: k, value: v }), get: (k) => binary.get({ key: k }) },
      { name: "gRPC", put: (k, v) => grpc.put({ key: k, value: v }), get: (k) => grpc.get({ key: k }) },
      { name: "Connect JSON", put: (k, v) => json.put({ key: k, value: v }), get: (k) => json.get({ key: k }) },
      { name: "REST", put: (k, v) => rest.put(k, v), get: (k) => rest.get(k) },
    ];
    const value = "x".repeat(100);
    for (const api of apis) {
      // Connect binary is the API whose CPU per get is counted: warmed longer, so that every
      // replica has run its read path often enough to compile it, as a peer that has run for a
      // while has (fresh processes run it interpreted, several times the CPU).
      const warm = api.name === "Connect binary" ? 300 : 20;
      await sequentialLatency((i) => api.put(`warm-${api.name}-${i}`, value), warm);
      await sequentialLatency((i) => api.get(`warm-${api.name}-${i}`), warm);
    }

    const lat: Record<string, number[]> = {};
    const add = (name: string, v: number) => (lat[name] ??= []).push(v);
    const perOp = { putRpcs: [] as number[], getRpcs: [] as number[], putHops: [] as number[], getHops: [] as number[], getCpuMs: [] as number[] };
    // CPU of every peer process (/proc, 10 ms ticks: a latency run's 100+ calls make it readable).
    const fleetCpu = () => net.peers.reduce((t, p) => t + (cpuSeconds(p.pid) ?? 0), 0);
    // What the fleet spends with no requests (timers, anti-entropy rounds), per second: taken
    // off the CPU per get, which is what one get costs. With 20 peers it was ~0.6 ms a get.
    const idle0 = fleetCpu();
    await new Promise((r) => setTimeout(r, 3000));
    const idlePerSecond = (fleetCpu() - idle0) / 3;
    notes.push(`${n} peers: idle fleet CPU ${(idlePerSecond * 100).toFixed(1)}% of a core, taken off the CPU per get`);
    for (let r = 0; r < o.reps; r++) {
      for (const api of apis) {
        const keys = Array.from({ length: o.latencyCalls }, (_, i) => `b-${n}-${api.name}-${r}-${i}`);
        const measureCost = api.name === "Connect binary";
        const c0 = measureCost ? await costs(net, addr) : undefined;
        const puts = latencyPercentiles(await sequentialLatency((i) => api.put(keys[i]!, value), keys.length));
        const c1 = measureCost ? await costs(net, addr) : undefined;
        const cpu1 = fleetCpu();
        const getsStarted = performance.now();
        const gets = latencyPercentiles(await sequentialLatency((i) => api.get(keys[i]!), keys.length));
        const cpu2 = fleetCpu() - (idlePerSecond * (performance.now() - getsStarted)) / 1000;
        const c2 = measureCost ? await costs(net, addr) : undefined;
        if (c0 && c1 && c2) {
          perOp.getCpuMs.push((1000 * (cpu2 - cpu1)) / keys.length);
          perOp.putRpcs.push((c1.rpcs - c0.rpcs) / keys.length);
          perOp.getRpcs.push((c2.rpcs - c1.rpcs) / keys.length);
          perOp.putHops.push(c1.lookups > c0.lookups ? (c1.hops - c0.hops) / (c1.lookups - c0.lookups) : 0);
          perOp.getHops.push(c2.lookups > c1.lookups ? (c2.hops - c1.hops) / (c2.lookups - c1.lookups) : 0);
        }
        for (const q of ["p50", "p95", "p99"] as const) {
          add(`${api.name} put ${q}`, puts[q]);
          add(`${api.name} get ${q}`, gets[q]);
        }
      }
    }
    for (const [name, values] of Object.entries(lat)) {
      let f = withFloor(figure(S, `${n} peers: ${name}`, "ms", values), floors.grpcP50);
      if (n === 20 && /^(Connect binary|gRPC) get p50$/.test(name)) f = withTarget(f, "≤ 5× gRPC floor (stretch 3×)", (x) => (x.floorRatio ?? Infinity) <= 5);
      if (n === 20 && /^(Connect binary|gRPC) put p50$/.test(name)) f = withTarget(f, "≤ 6× gRPC floor (stretch 4×)", (x) => (x.floorRatio ?? Infinity) <= 6);
      figures.push(f);
    }
    figures.push(
      figure(S, `${n} peers: peer RPCs per put`, "msgs", perOp.putRpcs),
      // The neighbourhood cache lets a get at 50 peers go straight to its replicas (replication/cached-replicas.ts).
      n === 50 ? withTarget(figure(S, `${n} peers: peer RPCs per get`, "msgs", perOp.getRpcs), "≤ 2.5 RPCs per get at 50 peers", (f) => f.value.median <= 2.5) : figure(S, `${n} peers: peer RPCs per get`, "msgs", perOp.getRpcs),
      figure(S, `${n} peers: lookup hops per put`, "hops", perOp.putHops),
      figure(S, `${n} peers: lookup hops per get`, "hops", perOp.getHops),
    );
    let cpuPerGet = figure(S, `${n} peers: CPU per get summed over the fleet`, "ms", perOp.getCpuMs);
    if (n === 20) cpuPerGet = withTarget(cpuPerGet, "≤ 1.2 ms", (x) => x.value.median <= 1.2);
    figures.push(cpuPerGet);

    // Throughput: gets of keys that exist, `concurrency` in flight.
    const keys = Array.from({ length: o.latencyCalls }, (_, i) => `b-${n}-Connect binary-0-${i}`);
    const spreadClients = net.peers.map((p) => nodeClient(p.httpAddress!, { binary: true }));
    clients.push(...spreadClients);
    const tp: Record<string, number[]> = {};
    const runs: [string, (i: number) => Promise<unknown>][] = [
      ["get through one peer", (i) => binary.get({ key: keys[i % keys.length]! })],
      ["put through one peer", (i) => binary.put({ key: `tp-${n}-${i}`, value })],
      ["get spread over all peers", (i) => spreadClients[i % spreadClients.length]!.get({ key: keys[i % keys.length]! })],
      ["put spread over all peers", (i) => spreadClients[i % spreadClients.length]!.put({ key: `tps-${n}-${i}`, value })],
    ];
    for (let r = 0; r < o.reps; r++) {
      for (const [name, op] of runs) {
        const res = await throughput(op, o.concurrency, o.throughputMs);
        if (res.errors) notes.push(`${n} peers, ${name}: ${res.errors} errors (first: ${res.firstError})`);
        (tp[name] ??= []).push(res.rps);
      }
    }
    for (const [name, values] of Object.entries(tp)) {
      let f = figure(S, `${n} peers: ${name} at concurrency ${o.concurrency}`, "req/s", values);
      if (floors.connectRps) f = { ...f, floorRatio: f.value.median / floors.connectRps.value.median, floorName: floors.connectRps.name };
      if (name === "get through one peer" && n === 20) f = withTarget(f, "≥ 0.4× Connect floor req/s", (x) => (x.floorRatio ?? 0) >= 0.4);
      figures.push(f);
    }
    return { figures, startSeconds };
  } finally {
    rest.close();
    h2?.abort();
    await net.stop();
  }
}

export async function runRecords(o: BenchOptions, floors: Floors): Promise<Omit<SectionResult, "seconds">> {
  const figures: Figure[] = [];
  const notes: string[] = [
    "Latency: sequential calls through peers[1] (not the bootstrap peer); ratio against the bare gRPC p50. Throughput ratio against the bare Connect req/s.",
    "Peer RPCs: client-side PeerService calls summed over every peer's /metrics, per operation (includes background writes beyond W). Hops: the coordinator's p2p_lookup_hops.",
  ];
  for (const n of o.networkSizes) {
    const { figures: f, startSeconds } = await measureNetwork(n, o, floors, notes);
    notes.push(`${n} peers started in ${startSeconds.toFixed(1)} s (launcher, 4 at a time).`);
    figures.push(...f);
  }
  return { section: S, status: "ok", figures, notes };
}
