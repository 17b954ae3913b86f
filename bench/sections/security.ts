/**
 * What security costs and whether it holds. (1) TLS between peers against `--insecure`: two
 * 5-peer networks in the same run, put and get through one peer of each, interleaved
 * repetition by repetition; p50 latencies and the throughput ratio. Every put and get crosses
 * peer-to-peer gRPC (the coordinator writes to and reads from R replicas), so the figures
 * carry TLS's per-message cost; connections are long-lived, so the handshake is paid once per
 * peer pair, not per call. (2) The fuzzer (`npm run fuzz`) as a longer run: requests by kind,
 * and no crash, hang, damaged key or unresponsive peer afterwards.
 */
import { nodeClient, startNetwork, waitFor, type Network } from "@p2p/launcher";
import { fuzzFindings, runFuzz } from "@p2p/fleet";
import { figure, withTarget, type Figure, type SectionResult } from "../lib/figures.js";
import { sequentialLatency, throughput } from "../lib/load.js";
import type { BenchOptions } from "../lib/options.js";

const S = "security";
const MODES = ["tls", "insecure"] as const;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function routable(net: Network): Promise<void> {
  const clients = net.peers.map((p) => nodeClient(p.httpAddress!));
  await waitFor(async () => (await Promise.all(clients.map((c) => c.info({})))).every((i) => i.contacts >= net.peers.length - 1), { timeoutMs: 60_000, what: "5 peers to know each other" });
}

async function tlsCost(o: BenchOptions): Promise<{ figures: Figure[]; notes: string[] }> {
  const nets: Partial<Record<(typeof MODES)[number], Network>> = {};
  try {
    for (const mode of MODES) {
      nets[mode] = await startNetwork(5, { concurrency: 4, peer: { args: ["--log-level", "warn", ...(mode === "insecure" ? ["--insecure"] : [])] } });
      await routable(nets[mode]!);
    }
    const clients = Object.fromEntries(MODES.map((m) => [m, nodeClient(nets[m]!.peers[1]!.httpAddress!, { binary: true })]));
    const keys = Array.from({ length: 200 }, (_, i) => `sec-bench-${i}`);
    const value = "x".repeat(100);
    const put: Record<string, number[]> = {};
    const get: Record<string, number[]> = {};
    const rps: Record<string, number[]> = {};
    for (const m of MODES) await sequentialLatency((i) => clients[m]!.put({ key: keys[i]!, value }), keys.length); // warm: every connection open
    for (let r = 0; r < o.reps; r++) {
      for (const m of MODES) {
        const c = clients[m]!;
        (put[m] ??= []).push(median(await sequentialLatency((i) => c.put({ key: keys[i % keys.length]!, value }), o.latencyCalls)));
        (get[m] ??= []).push(median(await sequentialLatency((i) => c.get({ key: keys[i % keys.length]! }), o.latencyCalls)));
        (rps[m] ??= []).push((await throughput((i) => c.get({ key: keys[i % keys.length]! }), o.concurrency, o.throughputMs)).rps);
      }
    }
    const ratio = rps.tls!.map((v, i) => v / rps.insecure![i]!);
    return {
      figures: [
        ...MODES.flatMap((m) => [figure(S, `put p50 through one peer, ${m}`, "ms", put[m]!), figure(S, `get p50 through one peer, ${m}`, "ms", get[m]!)]),
        ...MODES.map((m) => figure(S, `get throughput through one peer, ${m}, at concurrency ${o.concurrency}`, "req/s", rps[m]!)),
        withTarget(figure(S, "get throughput ratio: tls / insecure", "ratio", ratio), "≥ 0.8", (f) => f.value.median >= 0.8),
      ],
      notes: ["TLS and --insecure: two 5-peer networks on this machine, measured alternately in each repetition; p50 of each repetition's sequential calls."],
    };
  } finally {
    await Promise.all(Object.values(nets).map((n) => n?.stop()));
  }
}

export async function runSecurity(o: BenchOptions): Promise<Omit<SectionResult, "seconds">> {
  const cost = await tlsCost(o);
  const seconds = o.quick ? 20 : 120;
  const fuzz = await runFuzz({ seconds, peers: 5, seed: 1, concurrency: 8, deadlineMs: 10_000 });
  const sent = Object.values(fuzz.sent).reduce((a, b) => a + b, 0);
  const figures = [
    ...cost.figures,
    figure(S, `fuzz: requests sent in ${seconds} s against 5 peers`, "count", [sent]),
    withTarget(figure(S, "fuzz: crashes + hangs + damaged keys + unresponsive peers", "count", [fuzzFindings(fuzz)]), "= 0", (f) => f.value.median === 0),
  ];
  const byKind = Object.entries(fuzz.sent).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(", ");
  return { section: S, status: "ok", figures, notes: [...cost.notes, `Fuzz (seed 1), requests by kind: ${byKind}.`] };
}
