/**
 * createTestnet(n): an in-process swarm of n Kademlia nodes on a MemoryNetwork, for tests,
 * examples and simulations. Routing only: FindValue answers with contacts, Store is refused;
 * replication tests pass `handlerFor` to add a record store.
 */
import { DhtError } from "../errors.js";
import type { Contact, PeerRpcHandler, Transport } from "../types.js";
import { MemoryNetwork, type MemoryNetworkOptions } from "../transport/memory.js";
import { KademliaNode, type KademliaComponents, type KademliaOptions } from "./kademlia-node.js";
import { sha256Hex } from "./node-id.js";

/**
 * The routing half of a PeerRpcHandler for `node`: every incoming message teaches the sender
 * (the memory network, like the real one, has verified it), FindNode/FindValue return the
 * closest known contacts. Store is refused with Unimplemented.
 */
export function routingRpcHandler(node: KademliaNode): PeerRpcHandler {
  return {
    onPing(from) {
      node.learn(from);
    },
    onFindNode(from, target) {
      node.learn(from);
      return node.handleFindNode(from, target);
    },
    async onFindValue(from, key) {
      node.learn(from);
      return { contacts: node.handleFindNode(from, sha256Hex(key)) };
    },
    async onStore() {
      throw new DhtError("store is not served by a routing-only node", "unimplemented");
    },
  };
}

export interface TestnetOptions {
  network?: MemoryNetworkOptions;
  kademlia?: KademliaOptions;
  /** Extra components for every node (clock, logger, onLookupEvent). */
  components?: Omit<KademliaComponents, "self" | "transport">;
  /** Builds each node's handler (given the node and the transport it sends with); default
   * routingRpcHandler(node). Called lazily, on the node's first incoming message. */
  handlerFor?: (node: KademliaNode, transport: Transport) => PeerRpcHandler;
  /** Bootstrap node i from node 0 (sequentially) after creating them all. Default true. */
  bootstrap?: boolean;
}

/** createTestnet's result: transports[i] is the Transport node i sends with (for coordinators
 * or lookups driven by hand in tests). */
export type CreatedTestnet = Testnet & { transports: Transport[] };

export interface Testnet {
  network: MemoryNetwork;
  nodes: KademliaNode[];
  /** Stops every node's refresh timer and detaches it. */
  stop(): Promise<void>;
}

/** The contact of the i-th testnet node: ID = SHA-256 of "node-i", address "mem:i". */
export function testContact(i: number): Contact {
  return { id: sha256Hex(`node-${i}`), address: `mem:${i}`, httpAddress: "" };
}

/** Creates n nodes on one MemoryNetwork and (by default) bootstraps each from node 0. */
export async function createTestnet(n: number, options: TestnetOptions = {}): Promise<CreatedTestnet> {
  const network = new MemoryNetwork(options.network);
  const nodes: KademliaNode[] = [];
  const transports: Transport[] = [];
  for (let i = 0; i < n; i++) {
    const self = testContact(i);
    // The handler needs the node and the node needs the transport: late-bind through a holder.
    let node: KademliaNode | undefined;
    const handler: PeerRpcHandler = {
      onPing: (from) => inner().onPing(from),
      onFindNode: (from, target) => inner().onFindNode(from, target),
      onFindValue: (from, key) => inner().onFindValue(from, key),
      onStore: (from, record) => inner().onStore(from, record),
    };
    let built: PeerRpcHandler | undefined;
    const inner = () => (built ??= options.handlerFor ? options.handlerFor(node!, transport) : routingRpcHandler(node!));
    const transport = network.attach(self, handler);
    node = new KademliaNode({ ...options.components, self, transport }, options.kademlia);
    nodes.push(node);
    transports.push(transport);
  }
  const testnet: CreatedTestnet = {
    network,
    nodes,
    transports,
    async stop() {
      for (const node of nodes) {
        await node.stop();
        network.detach(node.self.id);
      }
    },
  };
  if (options.bootstrap ?? true) {
    for (let i = 1; i < n; i++) await nodes[i]!.bootstrap([nodes[0]!.self]);
  }
  return testnet;
}
