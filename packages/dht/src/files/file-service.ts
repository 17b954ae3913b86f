/**
 * Uploads and downloads of content-addressed files through this peer. Upload: cut the stream
 * into chunks, store each on its R closest peers (W must succeed) with a bounded window, then
 * store the manifest last, so an upload cut short leaves no file. Download: find the manifest,
 * fetch chunks with a bounded window from their holders, verify each against its hash, try
 * the next holder on failure or mismatch, and re-store the chunk on holders that lacked it.
 */
import { DhtError } from "../errors.js";
import type { CallOptions, Contact, Logger, Router, Transport } from "../types.js";
import { silentLogger } from "../types.js";
import { sha256Hex } from "../kademlia/node-id.js";
import { callWithDeadline } from "../replication/deadline.js";
import type { ChunkTransport } from "./chunk-transport.js";
import { chunkStream } from "./chunker.js";
import { CONTENT_VERSION, chunkPosition, manifestKey } from "./content-keys.js";
import { MAX_COMMIT_HASHES, hashChunk, type ContentStore } from "./content-store.js";
import { resolveFileOptions, type FileOptions } from "./file-options.js";
import {
  canonicalManifestBytes,
  chunkRange,
  decodeManifest,
  fileIdOf,
  validateFileId,
  validateFileName,
  validateMediaType,
  type FileManifest,
} from "./manifest.js";
import { placeReplicas, replicaCandidates, SpareCandidates } from "./replica-placement.js";

export interface FileServiceComponents {
  router: Router;
  /** Manifests travel as ordinary records. */
  transport: Transport;
  chunks: ChunkTransport;
  /** This peer's own content records. */
  content: ContentStore;
  logger?: Logger;
}

export interface UploadedFile {
  id: string;
  manifest: FileManifest;
}

export interface ChunkLocation {
  index: number;
  hash: string;
  position: string;
  /** The R peers closest to the position, closest first. */
  holders: Contact[];
}

/** Half-open byte range [start, end) of a file. */
export interface ByteRange {
  start: number;
  end: number;
}

export class FileService {
  readonly #router: Router;
  readonly #transport: Transport;
  readonly #chunks: ChunkTransport;
  readonly #content: ContentStore;
  readonly #log: Logger;
  #options: FileOptions;
  readonly #repairs = new Set<Promise<void>>();
  #repaired = 0;

  constructor(components: FileServiceComponents, options: Partial<FileOptions> = {}) {
    this.#router = components.router;
    this.#transport = components.transport;
    this.#chunks = components.chunks;
    this.#content = components.content;
    this.#log = components.logger ?? silentLogger;
    this.#options = resolveFileOptions(options);
  }

  get options(): Readonly<FileOptions> {
    return this.#options;
  }

  /** Replicas re-stored by downloads since start (missing or corrupt copies). */
  get repairedReplicas(): number {
    return this.#repaired;
  }

  /** All-or-nothing: invalid values throw and change nothing. */
  updateOptions(partial: Partial<FileOptions>): void {
    this.#options = resolveFileOptions(partial, this.#options);
  }

  /**
   * Stores a file read from `source` and answers its ID and manifest. Memory: at most
   * `uploadWindow` chunks plus the one being cut. Throws INVALID_ARGUMENT for a bad name or
   * media type, RESOURCE_EXHAUSTED past `maxFileBytes`, UNAVAILABLE when a chunk cannot get W
   * copies; the source's own error when it fails. In every failure no manifest is stored.
   */
  async upload(source: AsyncIterable<Uint8Array>, meta: { name: string; mediaType?: string }, signal?: AbortSignal): Promise<UploadedFile> {
    validateFileName(meta.name, "name");
    const mediaType = meta.mediaType || "application/octet-stream";
    validateMediaType(mediaType, "mediaType");
    const { chunkSize, maxFileBytes, uploadWindow } = this.#options;
    const chunks: string[] = [];
    const holders = new Map<string, Contact[]>(); // chunk hash → peers that took it (pending)
    const inflight = new Set<Promise<void>>();
    let failure: unknown;
    let size = 0;
    try {
      for await (const bytes of chunkStream(source, chunkSize, maxFileBytes)) {
        if (signal?.aborted) throw new DhtError("upload canceled", "canceled");
        const hash = hashChunk(bytes); // remembered: our own copy is not hashed again
        chunks.push(hash);
        size += bytes.byteLength;
        const p: Promise<void> = this.#storeChunk(hash, bytes, chunks.length - 1).then(
          (stored) => {
            inflight.delete(p);
            holders.set(hash, stored);
          },
          (err: unknown) => {
            inflight.delete(p);
            failure ??= err;
          },
        );
        inflight.add(p);
        if (inflight.size >= uploadWindow) await Promise.race(inflight);
        if (failure) throw failure;
      }
    } finally {
      await Promise.all(inflight); // never leave transfers running behind a failed upload
    }
    if (failure) throw failure;
    if (signal?.aborted) throw new DhtError("upload canceled", "canceled");
    const manifest: FileManifest = { name: meta.name, size, mediaType, chunkSize, chunks };
    const id = fileIdOf(manifest);
    await this.#storeManifest(id, canonicalManifestBytes(manifest));
    await this.#commitChunks(id, holders);
    this.#log.info({ file: id, name: manifest.name, size, chunks: chunks.length }, "file stored");
    return { id, manifest };
  }

  /** A file's manifest: ours when we hold it, else from the network. NOT_FOUND when nobody has it. */
  async manifest(id: string): Promise<FileManifest> {
    validateFileId(id);
    const key = manifestKey(id);
    const local = await this.#content.getRecord(key);
    if (local) return decodeManifest(local.value);
    const { replicationFactor } = this.#options;
    let records: Iterable<[string, { value: Uint8Array } | null]> = [];
    try {
      records = (await this.#router.lookup(sha256Hex(key), { wanted: replicationFactor, key })).records;
    } catch (err) {
      throw new DhtError(`file ${id}: manifest lookup failed`, "unavailable", { cause: err });
    }
    for (const [, record] of records) {
      if (record && sha256Hex(record.value) === id) {
        try {
          return decodeManifest(record.value);
        } catch {
          // bytes under the right hash that are no manifest: forged, try the next
        }
      }
    }
    throw new DhtError(`file ${id}: no such file`, "not_found");
  }

  /**
   * The bytes of `range` (default the whole file), in order, each chunk verified. At most
   * `downloadWindow` chunks are fetched ahead; a consumer that stops pulling stops fetching.
   * Throws UNAVAILABLE when no holder of a chunk has intact bytes.
   */
  async *read(manifest: FileManifest, range: ByteRange = { start: 0, end: manifest.size }, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    if (range.end <= range.start) return;
    const first = Math.floor(range.start / manifest.chunkSize);
    const last = Math.floor((range.end - 1) / manifest.chunkSize);
    const window = new Map<number, Promise<Uint8Array>>();
    let next = first;
    const fill = () => {
      while (next <= last && window.size < this.#options.downloadWindow) {
        const i = next++;
        const p = this.#fetchChunk(manifest.chunks[i]!, i);
        p.catch(() => {}); // observed when its turn comes; avoid an unhandled rejection meanwhile
        window.set(i, p);
      }
    };
    try {
      for (let i = first; i <= last; i++) {
        if (signal?.aborted) throw new DhtError("download canceled", "canceled");
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

  /** Where each chunk of `manifest` lives: its position and current R closest peers. */
  async chunkLocations(manifest: FileManifest): Promise<ChunkLocation[]> {
    const out: ChunkLocation[] = new Array(manifest.chunks.length);
    let next = 0;
    const worker = async () => {
      while (next < manifest.chunks.length) {
        const index = next++;
        const hash = manifest.chunks[index]!;
        const position = chunkPosition(hash);
        const holders = await replicaCandidates(this.#router, position, this.#options.replicationFactor);
        out[index] = { index, hash, position, holders };
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, manifest.chunks.length) }, worker));
    return out;
  }

  /** Waits for background repairs (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#repairs.size > 0) await Promise.all(this.#repairs);
  }

  /** Stores one chunk pending on its replicas; answers the peers that took it. */
  async #storeChunk(hash: string, bytes: Uint8Array, index: number): Promise<Contact[]> {
    const { replicationFactor, writeQuorum, chunkTimeoutMs } = this.#options;
    // The R closest first; only when one refuses or fails is the wider lookup made for the
    // extra candidates that stand in (a lookup for 2R peers costs an extra round of requests
    // on every chunk, measured 40-400 ms under load on the upload's critical path).
    const position = chunkPosition(hash);
    const candidates = await replicaCandidates(this.#router, position, replicationFactor);
    const spares = () => replicaCandidates(this.#router, position, 2 * replicationFactor);
    const placed = await placeReplicas(candidates, replicationFactor, writeQuorum, (peer) => this.#storeChunkOn(peer, hash, bytes, chunkTimeoutMs, true), `chunk ${index} (${hash.slice(0, 12)})`, spares);
    return placed.stored;
  }

  async #storeChunkOn(peer: Contact, hash: string, bytes: Uint8Array, timeoutMs: number, pending = false): Promise<void> {
    if (peer.id === this.#router.self.id) {
      await this.#content.putChunk(hash, bytes, pending);
      return;
    }
    await this.#remote(peer, timeoutMs, (o) => this.#chunks.storeChunk(peer, hash, bytes, o, pending));
  }

  /**
   * The upload lease's second half: once the manifest is stored, every peer that took a chunk
   * pending is told to commit it (one call per peer per 1024 chunks, `uploadWindow` calls at
   * once). One committed copy is enough for a chunk to survive: anti-entropy spreads the
   * commit to the other replicas as a newer version. A chunk committed nowhere fails the
   * upload with UNAVAILABLE (its file would lose it when the lease runs out).
   */
  async #commitChunks(id: string, holders: Map<string, Contact[]>): Promise<void> {
    const byPeer = new Map<string, { peer: Contact; hashes: string[] }>();
    for (const [hash, peers] of holders) {
      for (const peer of peers) {
        const entry = byPeer.get(peer.id) ?? { peer, hashes: [] };
        entry.hashes.push(hash);
        byPeer.set(peer.id, entry);
      }
    }
    const batches: { peer: Contact; hashes: string[] }[] = [];
    for (const { peer, hashes } of byPeer.values()) {
      for (let i = 0; i < hashes.length; i += MAX_COMMIT_HASHES) batches.push({ peer, hashes: hashes.slice(i, i + MAX_COMMIT_HASHES) });
    }
    const committed = new Set<string>();
    const problems: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const { peer, hashes } = batches[next++]!;
        try {
          const res =
            peer.id === this.#router.self.id
              ? await this.#content.commitChunks(hashes)
              : await this.#remote(peer, this.#options.rpcTimeoutMs, (o) => this.#chunks.commitChunks(peer, hashes, o));
          // A holder that lost some (lease ran out mid-upload, data loss) does not say which:
          // count none of this batch as committed there.
          if (res.missing > 0) throw new DhtError(`${res.missing} of ${hashes.length} chunks no longer held`, "not_found");
          for (const h of hashes) committed.add(h);
        } catch (err) {
          problems.push(`${peer.id.slice(0, 8)}: ${DhtError.from(err).message}`);
          this.#log.warn({ file: id, peer: peer.id, err: String(err) }, "chunk commit failed; anti-entropy spreads it from other replicas");
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#options.uploadWindow, batches.length) }, worker));
    const uncommitted = [...holders.keys()].filter((h) => !committed.has(h));
    if (uncommitted.length > 0) {
      throw new DhtError(
        `file ${id}: ${uncommitted.length} chunk(s) could not be committed on any holder (${problems.join("; ")}); upload again`,
        "unavailable",
      );
    }
  }

  async #storeManifest(id: string, bytes: Uint8Array): Promise<void> {
    const { replicationFactor, writeQuorum, rpcTimeoutMs } = this.#options;
    const key = manifestKey(id);
    const record = { key, value: bytes, version: { ...CONTENT_VERSION }, tombstone: false };
    const position = sha256Hex(key);
    const candidates = await replicaCandidates(this.#router, position, replicationFactor);
    const spares = () => replicaCandidates(this.#router, position, 2 * replicationFactor);
    await placeReplicas(candidates, replicationFactor, writeQuorum, async (peer) => {
      if (peer.id === this.#router.self.id) await this.#content.putRecord(record);
      else await this.#remote(peer, rpcTimeoutMs, (o) => this.#transport.store(peer, record, o));
    }, `manifest of ${id}`, spares);
  }

  /** One verified chunk: ours if intact, else from the closest holders, rotated per chunk to spread load. */
  async #fetchChunk(hash: string, index: number): Promise<Uint8Array> {
    const self = this.#router.self;
    const { replicationFactor, chunkTimeoutMs } = this.#options;
    const lacking: Contact[] = [];
    const corrupt = new Set<string>();
    try {
      return await this.#content.getChunk(hash);
    } catch {
      // not held here (or corrupt and just dropped): fetch it
    }
    // The R closest first (one lookup round fewer than 2R); the next closest only when all fail.
    const position = chunkPosition(hash);
    const replicas = await replicaCandidates(this.#router, position, replicationFactor);
    if (replicas.some((c) => c.id === self.id)) lacking.push(self);
    const remote = replicas.filter((c) => c.id !== self.id);
    const shift = remote.length > 0 ? index % remote.length : 0;
    const order = new SpareCandidates([...remote.slice(shift), ...remote.slice(0, shift)], async () =>
      (await replicaCandidates(this.#router, position, 2 * replicationFactor)).filter((c) => c.id !== self.id),
    );
    const problems: string[] = [];
    for (let peer = await order.next(); peer; peer = await order.next()) {
      try {
        const bytes = await this.#remote(peer, chunkTimeoutMs, (o) => this.#chunks.fetchChunk(peer, hash, o));
        if (sha256Hex(bytes) !== hash) {
          // A holder that serves bad bytes despite verifying them: treat as corrupt, repair it.
          throw new DhtError(`bytes do not match the hash`, "data_loss");
        }
        // Among the R closest, whoever lacked it; beyond them (a spare standing in for a refusal),
        // only a holder whose copy was corrupt, so repair never adds copies beyond R.
        this.#repair(hash, bytes, lacking.filter((c) => corrupt.has(c.id) || replicas.some((r) => r.id === c.id)));
        return bytes;
      } catch (err) {
        const e = DhtError.from(err);
        problems.push(`${peer.id.slice(0, 8)}: ${e.message}`);
        if (e.code === "not_found" || e.code === "data_loss") lacking.push(peer);
        if (e.code === "data_loss") {
          corrupt.add(peer.id);
          this.#log.warn({ chunk: hash, peer: peer.id }, "corrupt chunk replica reported; repairing it");
        }
      }
    }
    throw new DhtError(`chunk ${index} (${hash.slice(0, 12)}): no holder has intact bytes (${problems.join("; ") || "no holders"})`, "unavailable");
  }

  /** Re-stores a chunk on replicas that lacked it or held it corrupt, in the background. */
  #repair(hash: string, bytes: Uint8Array, peers: Contact[]): void {
    for (const peer of peers) {
      if (this.#repairs.size >= this.#options.maxPendingRepairs) return; // anti-entropy will do it
      const p: Promise<void> = this.#storeChunkOn(peer, hash, bytes, this.#options.chunkTimeoutMs)
        .then(
          () => {
            this.#repaired++;
            this.#log.info({ chunk: hash, peer: peer.id }, "chunk replica repaired");
          },
          (err: unknown) => this.#log.debug({ chunk: hash, peer: peer.id, err: String(err) }, "chunk repair failed"),
        )
        .finally(() => this.#repairs.delete(p));
      this.#repairs.add(p);
    }
  }

  /** A remote call with its deadline, reported to the router. */
  async #remote<T>(peer: Contact, timeoutMs: number, call: (o: CallOptions) => Promise<T>): Promise<T> {
    try {
      const r = await callWithDeadline(timeoutMs, call);
      this.#router.reportSuccess(peer);
      return r;
    } catch (err) {
      const e = DhtError.from(err);
      // Refusals (not held, over quota, corrupt) come from a live peer: not a routing failure.
      if (e.code === "unavailable" || e.code === "deadline_exceeded") this.#router.reportFailure(peer, e);
      else this.#router.reportSuccess(peer);
      throw e;
    }
  }
}
