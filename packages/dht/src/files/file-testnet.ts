/**
 * An in-process network of DhtNodes that share files, on the memory transport: chunks travel
 * as records (recordChunkTransport), every node's handler guarded by its ContentStore. For
 * tests, examples and simulations of placement, quota and repair.
 */
import { DhtNode } from "../dht-node.js";
import { testContact } from "../kademlia/testnet.js";
import { MemoryRecordStore } from "../store/memory-store.js";
import { MemoryNetwork } from "../transport/memory.js";
import { DhtError } from "../errors.js";
import type { CallOptions, Clock, Contact, PeerRpcHandler, Transport } from "../types.js";
import { chunkCommitUpgrades } from "./chunk-commit-upgrades.js";
import { recordChunkTransport, type ChunkTransport, type CommitDelivery } from "./chunk-transport.js";
import { ContentStore, guardContentRecords, type ContentStoreOptions } from "./content-store.js";
import { FileService } from "./file-service.js";
import type { FileOptions } from "./file-options.js";

export interface FilePeer {
  node: DhtNode;
  store: MemoryRecordStore;
  content: ContentStore;
  files: FileService;
}

export interface FileTestnet {
  network: MemoryNetwork;
  peers: FilePeer[];
  /** transports[i]: what peer i sends with (to drive raw calls in tests). */
  transports: Transport[];
  stop(): Promise<void>;
}

/** n peers bootstrapped from peer 0; `contentFor(i)` sets per-peer quotas. */
export async function createFileTestnet(
  n: number,
  opts: { files?: Partial<FileOptions>; contentFor?: (i: number) => Partial<ContentStoreOptions>; clock?: Clock } = {},
): Promise<FileTestnet> {
  const network = new MemoryNetwork();
  const peers: FilePeer[] = [];
  const transports: Transport[] = [];
  const byId = new Map<string, ContentStore>();
  // The memory network has no chunk calls of its own: a ping checks reachability (fail/hang
  // apply), then the receiver's ContentStore answers, as a real peer's FetchChunk and
  // CommitChunks do (so a corrupt copy is DATA_LOSS, where a record read reports it absent).
  const receiver = async (transport: Transport, to: Contact, o: CallOptions): Promise<ContentStore> => {
    await transport.ping(to, o);
    const target = byId.get(to.id);
    if (!target) throw new DhtError(`peer ${to.id.slice(0, 8)}: not on this network`, "unavailable");
    return target;
  };
  const commitVia = (transport: Transport): CommitDelivery => async (to, hashes, o) => (await receiver(transport, to, o)).commitChunks(hashes);
  const fetchVia = (transport: Transport): ChunkTransport["fetchChunk"] => async (to, hash, o) => (await receiver(transport, to, o)).getChunk(hash);
  for (let i = 0; i < n; i++) {
    const self = testContact(i);
    let handler: PeerRpcHandler | undefined;
    const transport = network.attach(self, {
      onPing: (from) => handler!.onPing(from),
      onFindNode: (from, target) => handler!.onFindNode(from, target),
      onFindValue: (from, key) => handler!.onFindValue(from, key),
      onStore: (from, record) => handler!.onStore(from, record),
      // Anti-entropy and hand-off too, so repair runs as between real peers.
      onSyncDigest: (from, req) => handler!.onSyncDigest!(from, req),
      onSyncKeys: (from, req) => handler!.onSyncKeys!(from, req),
      onFetchRecords: (from, keys) => handler!.onFetchRecords!(from, keys),
      onGoodbye: (from) => handler!.onGoodbye!(from),
    });
    const store = new MemoryRecordStore();
    const node = new DhtNode({ self, transport, store }, { kademlia: { rpcTimeoutMs: 500, refreshIntervalMs: 600_000 } });
    // Through the node's indexed store, as in a real peer, so anti-entropy sees every change.
    const content = new ContentStore(node.store, opts.contentFor?.(i) ?? {}, undefined, opts.clock);
    byId.set(self.id, content);
    await content.init();
    handler = guardContentRecords(node, content);
    const chunks = { ...recordChunkTransport(transport, commitVia(transport)), fetchChunk: fetchVia(transport) };
    const files = new FileService({ router: node.kademlia, transport, chunks, content }, opts.files);
    node.antiEntropy.useValuelessUpgrades(chunkCommitUpgrades(content, chunks));
    peers.push({ node, store, content, files });
    transports.push(transport);
  }
  for (let i = 1; i < n; i++) await peers[i]!.node.bootstrap([peers[0]!.node.self]);
  return {
    network,
    peers,
    transports,
    async stop() {
      for (const p of peers) {
        await p.files.idle();
        await p.node.stop();
        network.detach(p.node.self.id);
      }
    },
  };
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
