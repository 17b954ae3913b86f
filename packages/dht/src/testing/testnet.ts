/**
 * createTestnet(n): an in-process network of n complete nodes on a MemoryNetwork, built by
 * createNode exactly as a real peer is (in the manner of hyperdht's testnet.js). Tests,
 * examples and benchmarks use it to add and fail nodes, hang them, remove them, and drive
 * anti-entropy rounds by hand, so every check is deterministic: "within N rounds", not
 * "within N ms". No timer runs unless `start` is set.
 */
import type { Clock, Contact, Logger, NodeId } from "../types.js";
import { sha256Hex } from "../kademlia/node-id.js";
import { byDistance } from "../replication/position.js";
import type { Transport } from "../rpc/peer-rpc.js";
import { lateHandler } from "../rpc/late-handler.js";
import { MemoryRecordStore } from "../store/memory-store.js";
import { MemoryNetwork, type MemoryNetworkOptions } from "../transport/memory.js";
import { createNode, type NodeComponents } from "../node/create-node.js";
import type { DhtNode } from "../node/dht-node.js";
import { memoryNetworkOptions, type NodeOptions } from "../node/node-options.js";
import type { NodeMetricsHooks } from "../observability/metrics-hooks.js";

export interface TestnetOptions {
  network?: MemoryNetworkOptions;
  /** Options of every node, over `memoryNetworkOptions` (short timeouts, no periodic refresh). */
  node?: NodeOptions;
  /** Per-node options (e.g. one peer with no disk quota), over `node`. */
  nodeFor?: (index: number) => NodeOptions;
  clock?: Clock;
  /** The clock of node `index` (a fast or slow one), over `clock`. */
  clockFor?: (index: number) => Clock | undefined;
  logger?: Logger;
  /** Metrics hooks of node `index`. */
  metricsFor?: (self: Contact, index: number) => NodeMetricsHooks;
  /** Extra interceptors of node `index` (a peer that misbehaves, faults, tracing). */
  interceptorsFor?: (self: Contact, index: number) => NodeComponents["interceptors"];
  /** Where node `index` sends the spans of sampled traces (see tracing/). */
  spansFor?: (self: Contact, index: number) => NodeComponents["spans"];
  /** Floats in [0, 1) for refresh targets. */
  random?: () => number;
  /** Bootstrap each new node from the first live one. Default true. */
  bootstrap?: boolean;
  /** Start every node's timers (refresh, repair rounds, lease sweeps). Default false. */
  start?: boolean;
}

/** The contact of the i-th testnet node: ID = SHA-256 of "node-i", address "mem:i". */
export function testContact(i: number): Contact {
  return { id: sha256Hex(`node-${i}`), address: `mem:${i}`, httpAddress: "" };
}

/** Merges node options group by group, later layers winning field by field. */
export function mergeNodeOptions(...layers: (NodeOptions | undefined)[]): NodeOptions {
  const out: NodeOptions = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [group, value] of Object.entries(layer) as [keyof NodeOptions, unknown][]) {
      const held = out[group];
      (out as Record<string, unknown>)[group] =
        typeof value === "object" && value !== null && typeof held === "object" && held !== null ? { ...held, ...value } : value;
    }
  }
  return out;
}

export class Testnet {
  readonly network: MemoryNetwork;
  /** Every node created, in creation order (removed ones too: indices stay stable). */
  readonly nodes: DhtNode[] = [];
  /** transports[i]: what node i sends with, before its interceptors (to drive raw calls). */
  readonly transports: Transport[] = [];
  /** Nodes that are down (failed or hung in the network, not detached): their stores survive. */
  readonly down = new Set<NodeId>();
  readonly #options: TestnetOptions;
  readonly #byId = new Map<NodeId, { node: DhtNode; store: MemoryRecordStore; index: number }>();
  readonly #removed = new Set<NodeId>();

  constructor(options: TestnetOptions = {}) {
    this.#options = options;
    this.network = new MemoryNetwork(options.network);
  }

  /** Creates `n` nodes and (unless `bootstrap: false`) bootstraps each from the first live one. */
  async add(n: number): Promise<DhtNode[]> {
    const added: DhtNode[] = [];
    for (let k = 0; k < n; k++) {
      const index = this.nodes.length;
      const node = this.#build(index, new MemoryRecordStore());
      this.nodes.push(node);
      added.push(node);
    }
    if (this.#options.bootstrap ?? true) {
      const seed = this.live()[0]!;
      for (const node of added) if (node !== seed) await node.bootstrap([seed.self]);
    }
    if (this.#options.start) for (const node of added) node.start();
    return added;
  }

  /**
   * Restarts a node as a real peer restarts from its data dir: the old node stops and a new one
   * is built on the same store and identity, with `contacts` as the routing table it saved
   * (default: every contact the old one had). Nothing bootstraps it: call `bootstrap` (or not)
   * to test what a peer does before its join has finished.
   */
  async restart(id: NodeId, options: { contacts?: readonly Contact[] } = {}): Promise<DhtNode> {
    const entry = this.#byId.get(id);
    if (!entry) throw new Error(`testnet: no node ${id}`);
    const saved = options.contacts ?? entry.node.kademlia.routingTable.snapshot();
    await entry.node.stop();
    this.network.detach(id);
    this.down.delete(id);
    this.#removed.delete(id);
    const node = this.#build(entry.index, entry.store);
    node.kademlia.routingTable.restore(saved);
    this.nodes[entry.index] = node;
    if (this.#options.start) node.start();
    return node;
  }

  /** Builds node `index` on `store`, attached to the network (replacing any earlier entry). */
  #build(index: number, store: MemoryRecordStore): DhtNode {
    const o = this.#options;
    const self = testContact(index);
    const late = lateHandler();
    const transport = this.network.attach(self, late.handler);
    const interceptors = o.interceptorsFor?.(self, index);
    const metrics = o.metricsFor?.(self, index);
    const spans = o.spansFor?.(self, index);
    const clock = o.clockFor?.(index) ?? o.clock;
    const node = createNode(
      {
        self,
        transport,
        store,
        ...(clock ? { clock } : {}),
        ...(o.logger ? { logger: o.logger } : {}),
        ...(o.random ? { random: o.random } : {}),
        ...(interceptors ? { interceptors } : {}),
        ...(metrics ? { metrics } : {}),
        ...(spans ? { spans } : {}),
      },
      mergeNodeOptions(memoryNetworkOptions, o.node, o.nodeFor?.(index)),
    );
    late.set(node.handler);
    this.transports[index] = transport;
    this.#byId.set(self.id, { node, store, index });
    return node;
  }

  /** The node with this ID (removed ones included). */
  node(id: NodeId): DhtNode {
    const entry = this.#byId.get(id);
    if (!entry) throw new Error(`testnet: no node ${id}`);
    return entry.node;
  }

  /** The raw in-memory store under a node (to corrupt or inspect it behind the node's back). */
  store(node: DhtNode | NodeId): MemoryRecordStore {
    const id = typeof node === "string" ? node : node.self.id;
    const entry = this.#byId.get(id);
    if (!entry) throw new Error(`testnet: no node ${id}`);
    return entry.store;
  }

  /** Nodes neither down nor removed, in creation order. */
  live(): DhtNode[] {
    return this.nodes.filter((n) => !this.down.has(n.self.id) && !this.#removed.has(n.self.id));
  }

  /** Calls to and from `id` fail at once, like a closed port. */
  fail(id: NodeId): void {
    this.network.fail(id);
    this.down.add(id);
  }

  /** Calls to and from `id` never answer (their deadlines fire), like a SIGSTOPped process. */
  hang(id: NodeId): void {
    this.network.hang(id);
    this.down.add(id);
  }

  recover(id: NodeId): void {
    this.network.recover(id);
    this.down.delete(id);
  }

  /** Removes a node for good (after a leave): calls to it fail as to a stopped process. */
  remove(id: NodeId): void {
    this.network.detach(id);
    this.#removed.add(id);
    this.down.delete(id);
  }

  /** The R live nodes closest to the key's position. */
  closest(key: string, r: number): Contact[] {
    return byDistance(this.live().map((n) => n.self), sha256Hex(key)).slice(0, r);
  }

  /** IDs of live nodes holding the key (tombstones included), sorted. */
  async holders(key: string): Promise<NodeId[]> {
    const out: NodeId[] = [];
    for (const n of this.live()) if (await n.store.get(key)) out.push(n.self.id);
    return out.sort();
  }

  /** Runs rounds on every live node until `done()` or `maxRounds`; returns the rounds run (throws when not done). */
  async settle(maxRounds: number, done: () => Promise<boolean>): Promise<number> {
    for (let i = 1; i <= maxRounds; i++) {
      await Promise.all(this.live().map((n) => n.antiEntropy.runRound()));
      await Promise.all(this.live().map((n) => n.coordinator.idle()));
      if (await done()) return i;
    }
    throw new Error(`not settled after ${maxRounds} rounds`);
  }

  /** Stops every node (waiting for its background work) and detaches it. */
  async stop(): Promise<void> {
    for (const n of this.nodes) {
      await n.stop();
      this.network.detach(n.self.id);
    }
  }
}

/** Creates a testnet of `n` nodes, bootstrapped from node 0 unless `bootstrap: false`. */
export async function createTestnet(n: number, options: TestnetOptions = {}): Promise<Testnet> {
  const net = new Testnet(options);
  await net.add(n);
  return net;
}

/** `bytes` as an upload stream of `size`-byte pieces (how a client's body arrives). */
export async function* pieces(bytes: Uint8Array, size = 1000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size);
}

/** Everything a download stream yields, as one buffer. */
export async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}
