/**
 * A download: fetch a file's chunks with a bounded window from their holders, verify each
 * against its hash, try the next holder on failure or mismatch, and re-store the chunk on the
 * holders that lacked it or held it corrupt (in the background, bounded).
 */
import { DhtError } from "../errors.js";
import type { Contact } from "../types.js";
import { sha256Hex } from "../kademlia/node-id.js";
import { replicaCandidates, SpareCandidates } from "../replication/replica-candidates.js";
import { chunkPosition } from "./content-keys.js";
import { callPeer, withSignal, type FileContext } from "./file-context.js";
import { chunkRange, type FileManifest } from "./manifest.js";
import { storeChunkOn } from "./upload.js";

/** Half-open byte range [start, end) of a file. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Re-stores of missing or corrupt replicas that downloads start, bounded and counted. */
export class ChunkRepairs {
  readonly #c: FileContext;
  #runningLazy: Set<Promise<void>> | undefined;
  /** Created on first use: most nodes of a simulation never need one. */
  get #running(): Set<Promise<void>> {
    return (this.#runningLazy ??= new Set<Promise<void>>());
  }
  #repaired = 0;

  constructor(c: FileContext) {
    this.#c = c;
  }

  /** Replicas re-stored since start. */
  get repaired(): number {
    return this.#repaired;
  }

  /** Re-stores `bytes` on each of `peers` in the background; beyond the bound, anti-entropy will. */
  start(hash: string, bytes: Uint8Array, peers: Contact[]): void {
    for (const peer of peers) {
      if (this.#running.size >= this.#c.options().maxPendingRepairs) return;
      const p: Promise<void> = storeChunkOn(this.#c, peer, hash, bytes, false)
        .then(
          () => {
            this.#repaired++;
            this.#c.log.info({ chunk: hash, peer: peer.id }, "chunk replica repaired");
          },
          (err: unknown) => this.#c.log.debug({ chunk: hash, peer: peer.id, err: String(err) }, "chunk repair failed"),
        )
        .finally(() => this.#running.delete(p));
      this.#running.add(p);
    }
  }

  /** Waits for the repairs running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
  }
}

/**
 * The bytes of `range` of a file, in order, each chunk verified. At most `downloadWindow`
 * chunks are fetched ahead; a consumer that stops pulling stops fetching. Throws UNAVAILABLE
 * when no holder of a chunk has intact bytes, CANCELED when `signal` aborts.
 */
export async function* readFile(c: FileContext, repairs: ChunkRepairs, manifest: FileManifest, range: ByteRange, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  if (range.end <= range.start) return;
  const first = Math.floor(range.start / manifest.chunkSize);
  const last = Math.floor((range.end - 1) / manifest.chunkSize);
  const window = new Map<number, Promise<Uint8Array>>();
  let next = first;
  const fill = () => {
    while (next <= last && window.size < c.options().downloadWindow) {
      const i = next++;
      const p = fetchChunk(c, repairs, manifest.chunks[i]!, i, signal);
      p.catch(() => {}); // observed when its turn comes; avoid an unhandled rejection meanwhile
      window.set(i, p);
    }
  };
  try {
    for (let i = first; i <= last; i++) {
      if (signal?.aborted) throw DhtError.canceled("download canceled");
      fill();
      const bytes = await window.get(i)!;
      window.delete(i);
      const { start } = chunkRange(manifest, i);
      const from = Math.max(0, range.start - start);
      const to = Math.min(bytes.byteLength, range.end - start);
      yield from === 0 && to === bytes.byteLength ? bytes : bytes.subarray(from, to);
    }
  } finally {
    next = last + 1; // stop scheduling; fetches in flight finish on their own
  }
}

/** One verified chunk: ours if intact, else from the closest holders, rotated per chunk to spread load. */
async function fetchChunk(c: FileContext, repairs: ChunkRepairs, hash: string, index: number, signal?: AbortSignal): Promise<Uint8Array> {
  const self = c.router.self;
  const { replicationFactor } = c.replication();
  const lacking: Contact[] = [];
  const corrupt = new Set<string>();
  try {
    return await c.chunks.getChunk(hash);
  } catch {
    // not held here (or corrupt and just dropped): fetch it
  }
  // The R closest first (one lookup round fewer than 2R); the next closest only when all fail.
  const position = chunkPosition(hash);
  const replicas = await replicaCandidates(c.router, position, replicationFactor, signal);
  if (replicas.some((x) => x.id === self.id)) lacking.push(self);
  const remote = replicas.filter((x) => x.id !== self.id);
  const shift = remote.length > 0 ? index % remote.length : 0;
  const order = new SpareCandidates([...remote.slice(shift), ...remote.slice(0, shift)], async () =>
    (await replicaCandidates(c.router, position, 2 * replicationFactor, signal)).filter((x) => x.id !== self.id),
  );
  const problems: string[] = [];
  for (let peer = await order.next(); peer; peer = await order.next()) {
    try {
      const bytes = await callPeer(c, peer, withSignal(c.options().chunkTimeoutMs, signal), (o) => c.transport.fetchChunk(peer, hash, o));
      if (sha256Hex(bytes) !== hash) {
        // A holder that serves bad bytes despite verifying them: treat as corrupt, repair it.
        throw DhtError.dataLoss(`bytes do not match the hash`);
      }
      // Among the R closest, whoever lacked it; beyond them (a spare standing in for a refusal),
      // only a holder whose copy was corrupt, so repair never adds copies beyond R.
      repairs.start(hash, bytes, lacking.filter((x) => corrupt.has(x.id) || replicas.some((r) => r.id === x.id)));
      return bytes;
    } catch (err) {
      const e = DhtError.from(err);
      if (e.code === "canceled") throw e;
      problems.push(`${peer.id.slice(0, 8)}: ${e.message}`);
      if (e.code === "not_found" || e.code === "data_loss") lacking.push(peer);
      if (e.code === "data_loss") {
        corrupt.add(peer.id);
        c.log.warn({ chunk: hash, peer: peer.id }, "corrupt chunk replica reported; repairing it");
      }
    }
  }
  throw DhtError.unavailable(`chunk ${index} (${hash.slice(0, 12)}): no holder has intact bytes (${problems.join("; ") || "no holders"})`);
}
