/**
 * An in-process network of full DhtNodes (routing, replication, anti-entropy) on a
 * MemoryNetwork, for churn tests and simulations: add nodes, fail them, leave, and drive
 * anti-entropy rounds by hand so that tests are deterministic (no timers run unless start()).
 */
import { DhtNode, type DhtNodeOptions } from "../dht-node.js";
import { testContact } from "../kademlia/testnet.js";
import { MemoryRecordStore } from "../store/memory-store.js";
import { MemoryNetwork } from "../transport/memory.js";
import type { Clock, Contact, NodeId, PeerRpcHandler } from "../types.js";
import { byDistance, sha256Hex } from "./position.js";

export interface ChurnTestnetOptions {
  /** Options of every node. Default: short RPC timeouts, refresh effectively off. */
  node?: DhtNodeOptions;
  clock?: Clock;
  /** Wraps a node's handler (e.g. to make it misbehave). */
  wrapHandler?: (node: DhtNode, handler: PeerRpcHandler) => PeerRpcHandler;
}

export class ChurnTestnet {
  readonly network = new MemoryNetwork();
  readonly nodes = new Map<NodeId, DhtNode>();
  /** Nodes that are down (failed in the network, not detached): their stores survive. */
  readonly down = new Set<NodeId>();
  #next = 0;

  constructor(private readonly options: ChurnTestnetOptions = {}) {}

  /** Creates `n` nodes and bootstraps each from the first live node. */
  async add(n: number): Promise<DhtNode[]> {
    const added: DhtNode[] = [];
    for (let i = 0; i < n; i++) {
      const self = testContact(this.#next++);
      let handler: PeerRpcHandler | undefined;
      const h = () => handler!;
      const transport = this.network.attach(self, {
        onPing: (from) => h().onPing(from),
        onFindNode: (from, target) => h().onFindNode(from, target),
        onFindValue: (from, key) => h().onFindValue(from, key),
        onStore: (from, record) => h().onStore(from, record),
        onSyncDigest: (from, req) => h().onSyncDigest!(from, req),
        onSyncKeys: (from, req) => h().onSyncKeys!(from, req),
        onFetchRecords: (from, keys) => h().onFetchRecords!(from, keys),
        onGoodbye: (from) => h().onGoodbye!(from),
      });
      const opts = this.options.node ?? {};
      const node = new DhtNode(
        { self, transport, store: new MemoryRecordStore(), ...(this.options.clock ? { clock: this.options.clock } : {}) },
        {
          ...opts,
          kademlia: { rpcTimeoutMs: 200, refreshIntervalMs: 3_600_000, ...opts.kademlia },
          replication: { rpcTimeoutMs: 200, ...opts.replication },
        },
      );
      handler = this.options.wrapHandler ? this.options.wrapHandler(node, node) : node;
      this.nodes.set(self.id, node);
      added.push(node);
    }
    const seed = this.live()[0]!;
    for (const node of added) if (node !== seed) await node.bootstrap([seed.self]);
    return added;
  }

  live(): DhtNode[] {
    return [...this.nodes.values()].filter((n) => !this.down.has(n.self.id));
  }

  fail(id: NodeId): void {
    this.network.fail(id);
    this.down.add(id);
  }

  recover(id: NodeId): void {
    this.network.recover(id);
    this.down.delete(id);
  }

  /** Removes a node for good (after a leave). */
  remove(id: NodeId): void {
    this.network.detach(id);
    this.nodes.delete(id);
    this.down.delete(id);
  }

  /** The R live nodes closest to the key's position, by ID, sorted. */
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

  async stop(): Promise<void> {
    for (const n of this.nodes.values()) {
      await n.stop();
      this.network.detach(n.self.id);
    }
  }
}
