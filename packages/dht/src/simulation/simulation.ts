/**
 * The large-scale simulation: the real Kademlia and replication code over the in-memory
 * network in one process. Measures lookup hops and messages, get success with a fraction of
 * nodes failed (no repair: read repair is off, nothing re-replicates), and memory per node.
 * Deterministic given the seed, apart from the timing and memory figures.
 */
import { performance } from "node:perf_hooks";
import { errorCode } from "../errors.js";
import { buildConvergedNetwork, type ConvergedNetworkOptions } from "./converged-network.js";

export interface SimulationOptions {
  /** Number of simulated nodes (≥ 2). */
  nodes: number;
  /** Seed of every random choice. Default 1. */
  seed?: string | number;
  /** Bucket size K. Default 20. */
  k?: number;
  /** FindNode lookups (wanted = k) from random nodes to random targets. Default 500. */
  lookups?: number;
  /** Records put with no failures, then read once per failure level. Default 500. */
  records?: number;
  /** Fractions of nodes failed (calls to them fail at once, like a closed port) for the get rounds. Default [0.1, 0.3]. */
  failureFractions?: number[];
  /** Operations in flight at once. Default 64. */
  concurrency?: number;
  /** Replication settings; read repair is always off (maxPendingRepairs 0) so failures stay unrepaired. Default R=3, W=2, Rq=2. */
  replication?: ConvergedNetworkOptions["replication"];
}

/** Median, p99 and max of a distribution. */
export interface Distribution {
  median: number;
  p99: number;
  max: number;
  mean: number;
}

export interface GetRound {
  /** Fraction of nodes failed during this round (0 = none). */
  failedFraction: number;
  attempts: number;
  succeeded: number;
  /** succeeded / attempts. */
  successRate: number;
  /** Error codes of the failed gets, counted ("not_found", "unavailable", …). */
  errors: Record<string, number>;
  /** Messages sent on the network per get (lookup plus direct replica reads). */
  messagesPerGet: number;
  hops: Distribution;
}

export interface SimulationReport {
  nodes: number;
  seed: string | number;
  k: number;
  replicationFactor: number;
  /** How routing tables were built (not by n bootstraps: see buildConvergedNetwork). */
  buildMethod: string;
  buildMs: number;
  contactsPerNode: number;
  /** Heap bytes per node after the build (after a GC when run with --expose-gc), or null when not measured. */
  heapBytesPerNode: number | null;
  lookups: { count: number; failed: number; hops: Distribution; messages: Distribution; ms: number };
  puts: { count: number; succeeded: number; messagesPerPut: number };
  gets: GetRound[];
  totalMs: number;
}

/** Nearest-rank percentile of an ascending array (0 for an empty one). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function distribution(values: readonly number[]): Distribution {
  const s = [...values].sort((a, b) => a - b);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0;
  return { median: percentile(s, 0.5), p99: percentile(s, 0.99), max: s.at(-1) ?? 0, mean };
}

/** Runs `fn` over `items` with at most `concurrency` calls in flight. */
export async function inPool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

function heapUsed(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function codeName(err: unknown): string {
  return errorCode(err);
}

/** Builds a converged network of `options.nodes` nodes and measures it; see SimulationReport. */
export async function runSimulation(options: SimulationOptions): Promise<SimulationReport> {
  const started = performance.now();
  const seed = options.seed ?? 1;
  const k = options.k ?? 20;
  const concurrency = options.concurrency ?? 64;
  const heapBefore = heapUsed();
  const net = buildConvergedNetwork({
    nodes: options.nodes,
    seed,
    k,
    replication: { ...options.replication, maxPendingRepairs: 0 },
  });
  const buildMs = performance.now() - started;
  const heapAfter = heapUsed();
  const { network, nodes, random } = net;
  const n = nodes.length;
  const replicationFactor = nodes[0]!.coordinator.options.replicationFactor;

  try {
    // Lookups: FindNode for a random target from a random node, as a bucket refresh or a join does.
    const lookupCount = options.lookups ?? 500;
    const plan = Array.from({ length: lookupCount }, () => ({ from: random.int(n), target: random.nodeId() }));
    const hops: number[] = [];
    const messages: number[] = [];
    let lookupFailed = 0;
    const lookupStart = performance.now();
    await inPool(plan, concurrency, async ({ from, target }) => {
      try {
        const r = await nodes[from]!.kademlia.lookup(target, { wanted: k });
        hops.push(r.hops);
        messages.push(r.steps.length);
      } catch {
        lookupFailed++;
      }
    });
    const lookupMs = performance.now() - lookupStart;

    // Puts with every node up: R copies of each record.
    const recordCount = options.records ?? 500;
    const keys = Array.from({ length: recordCount }, (_, i) => `sim-${seed}-${i}`);
    const value = new TextEncoder().encode("v");
    let putOk = 0;
    const sentBeforePuts = network.sentTotal;
    await inPool(keys, concurrency, async (key) => {
      try {
        await nodes[random.int(n)]!.put(key, value);
        putOk++;
      } catch {
        /* counted as a failed put */
      }
    });
    // Writes beyond the quorum finish in the background: let them land before reading.
    await Promise.all(nodes.map((node) => node.coordinator.idle()));
    const messagesPerPut = (network.sentTotal - sentBeforePuts) / Math.max(1, recordCount);

    const gets: GetRound[] = [];
    for (const fraction of [0, ...(options.failureFractions ?? [0.1, 0.3])]) {
      const failed = new Set(random.sample(n, Math.round(fraction * n)));
      for (const i of failed) network.fail(nodes[i]!.self.id);
      const alive = nodes.filter((_, i) => !failed.has(i));
      const errors: Record<string, number> = {};
      const getHops: number[] = [];
      let ok = 0;
      const sentBefore = network.sentTotal;
      const coordinators = keys.map(() => alive[random.int(alive.length)]!);
      await inPool(keys, concurrency, async (key, i) => {
        try {
          const r = await coordinators[i]!.get(key, { trace: true });
          ok++;
          getHops.push(r.trace?.hops ?? 0);
        } catch (err) {
          const code = codeName(err);
          errors[code] = (errors[code] ?? 0) + 1;
        }
      });
      gets.push({
        failedFraction: fraction,
        attempts: keys.length,
        succeeded: ok,
        successRate: keys.length ? ok / keys.length : 1,
        errors,
        messagesPerGet: (network.sentTotal - sentBefore) / Math.max(1, keys.length),
        hops: distribution(getHops),
      });
      for (const i of failed) network.recover(nodes[i]!.self.id);
    }

    return {
      nodes: n,
      seed,
      k,
      replicationFactor,
      buildMethod: `converged tables: each node learned its ${k} XOR-closest nodes plus up to ${k} random nodes per non-empty bucket`,
      buildMs,
      contactsPerNode: net.contacts / n,
      heapBytesPerNode: heapBefore !== null && heapAfter !== null ? (heapAfter - heapBefore) / n : null,
      lookups: { count: lookupCount, failed: lookupFailed, hops: distribution(hops), messages: distribution(messages), ms: lookupMs },
      puts: { count: recordCount, succeeded: putOk, messagesPerPut },
      gets,
      totalMs: performance.now() - started,
    };
  } finally {
    await net.stop();
  }
}
