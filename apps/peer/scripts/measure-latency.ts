/**
 * Put/get latency through one peer of a real 10-peer loopback network: sequential Connect
 * JSON calls (what curl sends) via the launcher's nodeClient, p50/p99/mean per operation.
 * A measurement, not a test: the figures depend on the machine and its load.
 *
 *   npm run build && node --conditions=source --import tsx apps/peer/scripts/measure-latency.ts [ops=1000] [peers=10]
 */
import { performance } from "node:perf_hooks";
import { nodeClient, startNetwork, waitFor } from "@p2p/launcher";

const ops = Number(process.argv[2] ?? 1000);
const peers = Number(process.argv[3] ?? 10);
if (!Number.isInteger(ops) || ops < 1 || !Number.isInteger(peers) || peers < 1) {
  throw new Error("usage: measure-latency.ts [ops ≥ 1] [peers ≥ 1]");
}

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(2);
  const mean = (s.reduce((a, b) => a + b, 0) / s.length).toFixed(2);
  return `n=${s.length} p50=${at(0.5)} ms p99=${at(0.99)} ms mean=${mean} ms max=${s[s.length - 1]!.toFixed(2)} ms`;
}

const net = await startNetwork(peers);
try {
  const through = net.peers[peers > 1 ? 1 : 0]!;
  const client = nodeClient(through.httpAddress!);
  await waitFor(async () => (await client.info({})).contacts >= peers - 1, { timeoutMs: 20_000, what: "a full routing table" });
  // Warm up channels and JIT so the figures describe steady state.
  for (let i = 0; i < 50; i++) await client.put({ key: `warm-${i}`, value: "w" });
  for (let i = 0; i < 50; i++) await client.get({ key: `warm-${i}` });

  const value = "v".repeat(100);
  const put: number[] = [];
  for (let i = 0; i < ops; i++) {
    const t = performance.now();
    await client.put({ key: `latency-${i}`, value });
    put.push(performance.now() - t);
  }
  const get: number[] = [];
  for (let i = 0; i < ops; i++) {
    const t = performance.now();
    await client.get({ key: `latency-${i}` });
    get.push(performance.now() - t);
  }
  console.log(`${peers} peers, sequential Connect JSON through ${through.id!.slice(0, 12)}:`);
  console.log(`put: ${summary(put)}`);
  console.log(`get: ${summary(get)}`);
} finally {
  await net.stop();
}
