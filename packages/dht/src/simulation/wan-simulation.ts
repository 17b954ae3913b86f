/**
 * The WAN simulation: the converged in-memory network of simulation.ts, with a NetworkModel
 * (per-link log-normal RTT, message loss, partitions: network-model.ts) on the wire and the
 * whole run in virtual time (virtual-clock.ts). Measures lookup latency in modelled
 * milliseconds alongside hops, and put and get success and latency at each message-loss rate.
 *
 * Every figure is deterministic given the seed, wall-clock figures (buildMs, wallMs) apart: the
 * event queue orders every delivery and deadline, and the loss draws follow that order.
 * The rounds run on one network in order (0% loss first), so contacts evicted after failing
 * under loss stay evicted in later rounds, as they would on a real network. Nodes are never
 * start()ed (no bucket refresh, no re-probing), but ping-before-evict runs from every learned
 * contact as in a peer: once the build's contacts are older than pingFreshnessMs of modelled
 * time, it adds pings (counted in `calls`).
 */
import { performance } from "node:perf_hooks";
import { errorCode } from "../errors.js";
import { resolveKademliaOptions, type KademliaOptions } from "../kademlia/kademlia-options.js";
import type { ReplicationOptions } from "../replication/options.js";
import type { MemoryMethod } from "../transport/memory.js";
import type { NodeId } from "../types.js";
import { buildConvergedNetwork } from "./converged-network.js";
import { NetworkModel, type MessageCounts } from "./network-model.js";
import { distribution, inPool, type Distribution } from "./simulation.js";
import { VirtualClock } from "./virtual-clock.js";
import { xorClosest } from "./xor-closest.js";

export interface WanSimulationOptions {
  /** Number of simulated nodes (≥ 2). */
  nodes: number;
  /** Seed of every random choice (IDs, links, losses, workload). Default 1. */
  seed?: string | number;
  /** Bucket size K. Default 20. */
  k?: number;
  /** FindNode lookups (wanted = k) per loss rate, from random nodes to random targets. Default 500. */
  lookups?: number;
  /** Records put with no loss before the rounds and read once per loss rate; also the puts per round. Default 500. */
  records?: number;
  /** Message-loss probabilities, one round each, in this order. Default [0, 0.01, 0.05]. */
  lossRates?: number[];
  /** Operations in flight at once (no effect on modelled latency: the model has no queueing). Default 64. */
  concurrency?: number;
  /** Link RTT distribution: median and p99, ms. Defaults 80 and 300 (see NetworkModel). */
  rttMedianMs?: number;
  rttP99Ms?: number;
  /** Per-message jitter fraction (see NetworkModel). Default 0. */
  jitter?: number;
  /** Replication settings; read repair is always off (maxPendingRepairs 0) so rounds do not change each other's data. Default R=3, W=2, Rq=2. */
  replication?: Partial<ReplicationOptions>;
  /** Kademlia settings (alpha, rpcTimeoutMs, …); k is taken from `k`. */
  kademlia?: Omit<KademliaOptions, "k">;
}

export interface WanOpRound {
  attempts: number;
  succeeded: number;
  successRate: number;
  /** Error codes of the failed operations, counted. */
  errors: Record<string, number>;
  /** Modelled latency of the successful operations, ms. */
  ms: Distribution;
}

export interface WanRound {
  /** Probability that one message is lost in this round. */
  loss: number;
  lookups: {
    count: number;
    /** Modelled time from the lookup's start to its result, ms. */
    ms: Distribution;
    hops: Distribution;
    /** Requests sent per lookup. */
    messages: Distribution;
    /** Requests per lookup that ended at their deadline (lost request or reply), mean. */
    timeoutsPerLookup: number;
    /** Fraction of lookups whose first result is the true XOR-closest node to the target. */
    foundClosest: number;
  };
  /** Fresh keys written in this round, at this loss. */
  puts: WanOpRound;
  /** The records put with no loss, read back at this loss (hops from the get's trace). */
  gets: WanOpRound & { hops: Distribution };
  /** Messages the model delivered, lost and cut during the round. */
  messages: MessageCounts;
  /** Calls sent during the round by method, background ones included (ping-before-evict, writes beyond W). */
  calls: Partial<Record<MemoryMethod, number>>;
  /** Routing-table contacts per node at the end of the round (contacts evicted after a lost ping leave it). */
  contactsPerNode: number;
  /** Modelled duration of the round, ms. */
  virtualMs: number;
}

export interface WanSimulationReport {
  nodes: number;
  seed: string | number;
  k: number;
  alpha: number;
  replication: { r: number; w: number; rq: number };
  /** The deadlines in force, ms: each lookup request, each replica call, each client operation. */
  deadlines: { lookupRpcMs: number; replicaRpcMs: number; operationMs: number };
  /** The network model in words. */
  model: string;
  /** Link RTTs of random node pairs (min(100,000, 50·n) of them) as the model draws them, ms: checks the stated distribution. */
  sampledRttMs: Distribution & { p1: number };
  /** The no-loss puts the get rounds read. */
  setup: WanOpRound;
  rounds: WanRound[];
  /** Modelled time of the whole workload, ms. */
  virtualMs: number;
  /** Timers (deliveries, deadlines) the virtual clock fired. */
  events: number;
  buildMs: number;
  wallMs: number;
}


/** Counts a failed operation under its error code. */
function countError(errors: Record<string, number>, err: unknown): void {
  const code = errorCode(err);
  errors[code] = (errors[code] ?? 0) + 1;
}

function opRound(attempts: number, latencies: number[], errors: Record<string, number>): WanOpRound {
  return { attempts, succeeded: latencies.length, successRate: attempts ? latencies.length / attempts : 1, errors, ms: distribution(latencies) };
}

/** Builds the network and runs the rounds; see WanSimulationReport. */
export async function runWanSimulation(options: WanSimulationOptions): Promise<WanSimulationReport> {
  const started = performance.now();
  const seed = options.seed ?? 1;
  const k = options.k ?? 20;
  const concurrency = options.concurrency ?? 64;
  const lossRates = options.lossRates ?? [0, 0.01, 0.05];
  const kademliaOptions = resolveKademliaOptions({ ...options.kademlia, k });
  const model = new NetworkModel({
    seed,
    ...(options.rttMedianMs === undefined ? {} : { rttMedianMs: options.rttMedianMs }),
    ...(options.rttP99Ms === undefined ? {} : { rttP99Ms: options.rttP99Ms }),
    ...(options.jitter === undefined ? {} : { jitter: options.jitter }),
  });
  const time = new VirtualClock();
  const net = buildConvergedNetwork({
    nodes: options.nodes,
    seed,
    k,
    replication: { ...options.replication, maxPendingRepairs: 0 },
    ...(options.kademlia ? { kademlia: options.kademlia } : {}),
    network: { messageFate: model.fate },
    clock: time.clock,
  });
  const buildMs = performance.now() - started;
  const { nodes, random } = net;
  const n = nodes.length;
  const replication = nodes[0]!.coordinator.options;
  const sorted = nodes.map((x) => BigInt(`0x${x.self.id}`)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  // The model's own link distribution over random pairs, to show it is what the report states.
  const rtts: number[] = [];
  for (let i = 0, samples = Math.min(100_000, 50 * n); i < samples; i++) {
    const a = random.int(n);
    let b = random.int(n - 1);
    if (b >= a) b++;
    rtts.push(model.rttMs(nodes[a]!.self.id, nodes[b]!.self.id));
  }
  rtts.sort((x, y) => x - y);
  const sampledRttMs = { ...distribution(rtts), p1: rtts[Math.ceil(0.01 * rtts.length) - 1]! };

  const value = new TextEncoder().encode("v");
  /** Puts `keys` from random nodes; latencies of the acknowledged ones. */
  const putAll = async (keys: readonly string[]): Promise<WanOpRound> => {
    const latencies: number[] = [];
    const errors: Record<string, number> = {};
    const from = keys.map(() => nodes[random.int(n)]!);
    await inPool(keys, concurrency, async (key, i) => {
      const t0 = time.now;
      try {
        await from[i]!.put(key, value);
        latencies.push(time.now - t0);
      } catch (err) {
        countError(errors, err);
      }
    });
    // Writes beyond the quorum finish in the background: let them land (or time out).
    await Promise.all(nodes.map((node) => node.coordinator.idle()));
    return opRound(keys.length, latencies, errors);
  };

  /** FindNode lookups (wanted = k) from random nodes to random targets. */
  const lookupAll = async (count: number): Promise<WanRound["lookups"]> => {
    const plan = Array.from({ length: count }, () => ({ from: nodes[random.int(n)]!, target: random.nodeId() }));
    const latencies: number[] = [];
    const hops: number[] = [];
    const messages: number[] = [];
    let timeouts = 0;
    let found = 0;
    await inPool(plan, concurrency, async ({ from, target }) => {
      const t0 = time.now;
      const r = await from.kademlia.lookup(target, { wanted: k });
      latencies.push(time.now - t0);
      hops.push(r.hops);
      messages.push(r.steps.length);
      timeouts += r.steps.filter((s) => s.error === "deadline_exceeded").length;
      const truth = xorClosest(sorted, BigInt(`0x${target}`)).toString(16).padStart(64, "0") as NodeId;
      // The origin never lists itself: when it is the closest, the lookup cannot name it.
      if (truth === from.self.id || r.closest[0]?.id === truth) found++;
    });
    return {
      count,
      ms: distribution(latencies),
      hops: distribution(hops),
      messages: distribution(messages),
      timeoutsPerLookup: count ? timeouts / count : 0,
      foundClosest: count ? found / count : 1,
    };
  };

  /** Gets `keys` through random nodes. */
  const getAll = async (keys: readonly string[]): Promise<WanRound["gets"]> => {
    const latencies: number[] = [];
    const hops: number[] = [];
    const errors: Record<string, number> = {};
    const coordinators = keys.map(() => nodes[random.int(n)]!);
    await inPool(keys, concurrency, async (key, i) => {
      const t0 = time.now;
      try {
        const r = await coordinators[i]!.get(key, { trace: true });
        latencies.push(time.now - t0);
        hops.push(r.trace?.hops ?? 0);
      } catch (err) {
        countError(errors, err);
      }
    });
    return { ...opRound(keys.length, latencies, errors), hops: distribution(hops) };
  };

  const workload = async (): Promise<WanSimulationReport> => {
    const recordCount = options.records ?? 500;
    const keys = Array.from({ length: recordCount }, (_, i) => `wan-${seed}-${i}`);
    model.loss = 0;
    const setup = await putAll(keys);
    const rounds: WanRound[] = [];
    for (const loss of lossRates) {
      model.loss = loss;
      const before = { ...model.counts };
      const startMs = time.now;
      const sentBefore = net.network.sent;
      const lookups = await lookupAll(options.lookups ?? 500);
      const puts = await putAll(Array.from({ length: recordCount }, (_, i) => `wan-${seed}-loss${loss}-${i}`));
      const gets = await getAll(keys);
      const { delivered, lost, cut } = model.counts;
      const sent = net.network.sent;
      const calls = Object.fromEntries(
        (Object.keys(sent) as MemoryMethod[]).map((m) => [m, sent[m] - sentBefore[m]] as const).filter(([, c]) => c > 0),
      );
      rounds.push({
        loss,
        lookups,
        puts,
        gets,
        messages: { delivered: delivered - before.delivered, lost: lost - before.lost, cut: cut - before.cut },
        calls,
        contactsPerNode: nodes.reduce((sum, x) => sum + x.kademlia.routingTable.size, 0) / n,
        virtualMs: time.now - startMs,
      });
    }
    return {
      nodes: n,
      seed,
      k,
      alpha: kademliaOptions.alpha,
      replication: { r: replication.replicationFactor, w: replication.writeQuorum, rq: replication.readQuorum },
      deadlines: { lookupRpcMs: kademliaOptions.rpcTimeoutMs, replicaRpcMs: replication.rpcTimeoutMs, operationMs: replication.requestTimeoutMs },
      model: model.describe(),
      sampledRttMs,
      setup,
      rounds,
      virtualMs: time.now,
      events: time.fired,
      buildMs,
      wallMs: performance.now() - started,
    };
  };

  // Stopping waits for the nodes' background work, whose deadlines are virtual timers too.
  return time.run(async () => {
    try {
      return await workload();
    } finally {
      await net.stop();
    }
  });
}
