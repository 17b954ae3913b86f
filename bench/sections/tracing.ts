/**
 * Tracing's cost: get throughput through one peer of a 5-peer network, in the same run and
 * interleaved repetition by repetition, (a) with no trace asked, (b) with a sampled W3C
 * traceparent on every get (each a fresh trace: the coordinator and the replicas record every
 * step into their bounded stores), and (c) with `trace: true` (the explain mode: also asks all
 * R replicas and forces a lookup, so it measures a different read, not only tracing). Peers
 * record only sampled traces, so (a) pays just a trace ID and two response headers; the micro
 * figure puts that per-request cost next to a get's latency.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { createTestnet, newSpanId, newTraceId, parseTraceparent, type DhtNode, type SpanContext } from "@p2p/dht";
import { nodeClient, startNetwork, waitFor } from "@p2p/launcher";
import { figure, withTarget, type Figure, type SectionResult } from "../lib/figures.js";
import { sequentialLatency, throughput } from "../lib/load.js";
import type { BenchOptions } from "../lib/options.js";

const S = "tracing";

/** ns per request of what an untraced get pays for tracing: parse an absent header, make IDs and the response header. */
function unsampledCostNs(): number {
  const n = 200_000;
  let sink = 0;
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    const incoming = parseTraceparent(undefined);
    const id = incoming?.traceId ?? newTraceId();
    sink += `00-${id}-${newSpanId()}-00`.length;
  }
  if (sink === 0) throw new Error("unreachable: keeps the loop from being optimised away");
  return ((performance.now() - t) * 1e6) / n;
}

/**
 * The DHT core alone, in one process (in-memory testnet of 20 nodes, so no sockets and less
 * noise from other processes): gets through one node built without a span sink, with one but
 * no trace asked, and with every get sampled. Interleaved in short rounds; req/s per mode.
 */
async function coreGets(o: BenchOptions): Promise<Record<string, number[]>> {
  const spans: unknown[] = [];
  const sinkless = await createTestnet(20);
  const traced = await createTestnet(20, { spansFor: () => (s) => void (spans.length < 10_000 ? spans.push(s) : (spans.length = 0)) });
  try {
    const keys = Array.from({ length: 100 }, (_, i) => `core-${i}`);
    for (const net of [sinkless, traced]) for (const k of keys) await net.nodes[0]!.put(k, new Uint8Array(100));
    const sampled = (): SpanContext => ({ traceId: newTraceId(), spanId: "", sampled: true });
    const modes: [string, DhtNode, () => SpanContext | undefined][] = [
      ["core: no span sink", sinkless.nodes[1]!, () => undefined],
      ["core: sink, no trace asked", traced.nodes[1]!, () => undefined],
      ["core: sink, every get sampled", traced.nodes[1]!, sampled],
    ];
    const out: Record<string, number[]> = {};
    for (let r = 0; r < o.reps * 4; r++) {
      for (const [name, node, ctx] of modes) {
        const get = (i: number) => {
          const traceParent = ctx();
          return node.get(keys[i % keys.length]!, traceParent ? { traceParent } : {});
        };
        const res = await throughput(get, 32, o.throughputMs / 4);
        (out[name] ??= []).push(res.rps);
      }
    }
    return out;
  } finally {
    await sinkless.stop();
    await traced.stop();
  }
}

export async function runTracing(o: BenchOptions): Promise<Omit<SectionResult, "seconds">> {
  const core = await coreGets(o);
  const net = await startNetwork(5, { concurrency: 4 });
  const notes: string[] = [];
  try {
    const clients = net.peers.map((p) => nodeClient(p.httpAddress!, { binary: true }));
    await waitFor(async () => (await Promise.all(clients.map((c) => c.info({})))).every((i) => i.contacts >= 4), { timeoutMs: 60_000, what: "5 peers to know each other" });
    const client = clients[1]!; // not the bootstrap peer
    const keys = Array.from({ length: 200 }, (_, i) => `trace-bench-${i}`);
    await sequentialLatency((i) => client.put({ key: keys[i]!, value: "x".repeat(100) }), keys.length);
    const sampled = () => ({ headers: { traceparent: `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01` } });
    const modes: [string, (i: number) => Promise<unknown>][] = [
      ["no trace asked", (i) => client.get({ key: keys[i % keys.length]! })],
      ["sampled traceparent", (i) => client.get({ key: keys[i % keys.length]! }, sampled())],
      ["trace: true", (i) => client.get({ key: keys[i % keys.length]!, trace: true })],
    ];
    for (const [, op] of modes) await throughput(op, o.concurrency, 300); // warm up each path
    const rps: Record<string, number[]> = {};
    for (let r = 0; r < o.reps; r++) {
      for (const [name, op] of modes) {
        const res = await throughput(op, o.concurrency, o.throughputMs);
        if (res.errors) notes.push(`${name}: ${res.errors} errors (first: ${res.firstError})`);
        (rps[name] ??= []).push(res.rps);
      }
    }
    const base = rps["no trace asked"]!;
    const ratio = (name: string) => rps[name]!.map((v, i) => v / base[i]!);
    const latency = await sequentialLatency((i) => client.get({ key: keys[i % keys.length]! }), 200);
    const p50 = latency.sort((a, b) => a - b)[100]!;
    const costNs = unsampledCostNs();
    const coreBase = core["core: no span sink"]!;
    const coreRatio = (name: string) => core[name]!.map((v, i) => v / coreBase[i]!);
    const figures: Figure[] = [
      ...Object.entries(core).map(([name, values]) => figure(S, `${name}, gets at concurrency 32`, "req/s", values)),
      withTarget(figure(S, "core ratio: sink, no trace asked / no span sink", "ratio", coreRatio("core: sink, no trace asked")), "≥ 0.95", (f) => f.value.median >= 0.95),
      figure(S, "core ratio: every get sampled / no span sink", "ratio", coreRatio("core: sink, every get sampled")),
      ...modes.map(([name]) => figure(S, `get through one peer, ${name}, at concurrency ${o.concurrency}`, "req/s", rps[name]!)),
      withTarget(figure(S, "throughput ratio: sampled traceparent / no trace asked", "ratio", ratio("sampled traceparent")), "≥ 0.95", (f) => f.value.median >= 0.95),
      figure(S, "throughput ratio: trace: true / no trace asked", "ratio", ratio("trace: true")),
      withTarget(figure(S, "untraced get: tracing's share of a get's p50 latency", "%", [(costNs / 1e6 / p50) * 100]), "< 5%", (f) => f.value.median < 5),
    ];
    notes.push(
      "Same 5-peer network, modes interleaved per repetition; ratios are per repetition (mode / no trace asked of the same repetition).",
      `Untraced get: ${costNs.toFixed(0)} ns per request for the trace ID and response header (micro-benchmark), against a sequential get p50 of ${p50.toFixed(3)} ms.`,
      "Peers record spans only for sampled traces (trace: true or a traceparent with the sampled flag), so no recording setting is needed for the untraced path.",
    );
    return { section: S, status: "ok", figures, notes };
  } finally {
    await net.stop();
  }
}
