/**
 * Builds a large in-memory DHT whose routing tables are already converged, without running
 * n bootstraps (a real join costs ~250 messages, so 10,000 one-by-one joins dominate any run).
 * Each node learns its true closest neighbours plus a random sample of every non-empty bucket
 * range, which is what a settled Kademlia table holds. Everything after the build (lookups,
 * puts, gets) runs the real KademliaNode, ReplicationCoordinator and MemoryNetwork code.
 */
import type { KademliaOptions } from "../kademlia/kademlia-node.js";
import { createNode } from "../node/create-node.js";
import type { DhtNode } from "../node/dht-node.js";
import type { ReplicationOptions } from "../replication/options.js";
import { lateHandler } from "../rpc/late-handler.js";
import { MemoryRecordStore } from "../store/memory-store.js";
import { MemoryNetwork, type MemoryNetworkOptions } from "../transport/memory.js";
import type { Clock, Contact } from "../types.js";
import { seededRandom, type SeededRandom } from "./seeded-random.js";

export interface ConvergedNetworkOptions {
  /** Number of simulated nodes (≥ 2). */
  nodes: number;
  /** Seed of every random choice (IDs, samples). Default 1. */
  seed?: string | number;
  /** Bucket size K. Default 20. */
  k?: number;
  /** How many XOR-closest nodes each node learns. Default k. */
  neighbours?: number;
  /** Contacts sampled from each bucket's range (all when the range holds fewer). Default k. */
  perBucket?: number;
  /** Replication settings of every node (R, W, Rq, …); see ReplicationOptions. */
  replication?: Partial<ReplicationOptions>;
  /** Kademlia settings of every node (alpha, timeouts); k is taken from `k`. */
  kademlia?: Omit<KademliaOptions, "k">;
  /** The memory network's settings: latency, or a network model's `messageFate` (network-model.ts). */
  network?: MemoryNetworkOptions;
  /** Every node's clock; default the system clock (a VirtualClock's `clock` in WAN simulations). */
  clock?: Clock;
}

export interface ConvergedNetwork {
  network: MemoryNetwork;
  nodes: DhtNode[];
  /** The generator after the build: keep drawing from it for reproducible workloads. */
  random: SeededRandom;
  /** Routing-table contacts over all nodes. */
  contacts: number;
  /** Detaches every node (no timers run: nodes are never start()ed). */
  stop(): Promise<void>;
}

/** Index of the first element ≥ x in an ascending bigint array. */
function lowerBound(sorted: readonly bigint[], x: bigint): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Creates `nodes` DhtNodes with in-memory stores on one MemoryNetwork and fills their routing tables. */
export function buildConvergedNetwork(options: ConvergedNetworkOptions): ConvergedNetwork {
  const n = options.nodes;
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`nodes: must be an integer ≥ 2, got ${n}`);
  const k = options.k ?? 20;
  const neighbours = options.neighbours ?? k;
  const perBucket = options.perBucket ?? k;
  const random = seededRandom(options.seed ?? 1);
  const network = new MemoryNetwork(options.network);

  // IDs drawn from the seed, then sorted: a bucket's range is a contiguous slice of them.
  const idSet = new Set<string>();
  while (idSet.size < n) idSet.add(random.nodeId());
  const ids = [...idSet].sort();
  const big = ids.map((id) => BigInt(`0x${id}`));
  const contacts: Contact[] = ids.map((id, i) => ({ id, address: `mem:${i}`, httpAddress: "" }));

  const nodes = contacts.map((self) => {
    const late = lateHandler();
    const transport = network.attach(self, late.handler);
    // statsWindow 0: counts only; latency windows would dominate the memory per node.
    const node = createNode(
      { self, transport, store: new MemoryRecordStore(), random, ...(options.clock ? { clock: options.clock } : {}) },
      { kademlia: { ...options.kademlia, k }, statsWindow: 0, ...(options.replication ? { replication: options.replication } : {}) },
    );
    late.set(node.handler);
    return node;
  });

  const shifts = Array.from({ length: 256 }, (_, i) => BigInt(255 - i));
  let total = 0;
  for (let p = 0; p < n; p++) {
    const x = big[p]!;
    const kad = nodes[p]!.kademlia;
    // True neighbours: the XOR-closest lie near x in sorted order; a window of 4·neighbours
    // around it holds them for random IDs.
    const from = Math.max(0, p - 2 * neighbours);
    const to = Math.min(n, p + 2 * neighbours + 1);
    const near: { i: number; d: bigint }[] = [];
    for (let i = from; i < to; i++) if (i !== p) near.push({ i, d: big[i]! ^ x });
    near.sort((a, b) => (a.d < b.d ? -1 : a.d > b.d ? 1 : 0));
    for (const { i } of near.slice(0, neighbours)) kad.learn(contacts[i]!);
    // Bucket i holds the IDs sharing exactly i prefix bits with x: the sibling subtree at depth i.
    for (let i = 0; i < 256; i++) {
      const s = shifts[i]!;
      const width = 1n << s;
      const sibling = ((x >> s) ^ 1n) << s;
      const lo = lowerBound(big, sibling);
      const hi = lowerBound(big, sibling + width);
      if (hi > lo) for (const j of random.sample(hi - lo, perBucket)) kad.learn(contacts[lo + j]!);
      // Deeper buckets lie inside x's own subtree at this depth: stop once x is alone in it.
      const own = (x >> s) << s;
      if (lowerBound(big, own + width) - lowerBound(big, own) <= 1) break;
    }
    total += kad.routingTable.size;
  }

  return {
    network,
    nodes,
    random,
    contacts: total,
    async stop() {
      for (const node of nodes) {
        await node.stop();
        network.detach(node.self.id);
      }
    },
  };
}
