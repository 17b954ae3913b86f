/**
 * Content-addressed files through this peer: uploads (upload.ts), downloads (download.ts),
 * manifests and where each chunk lives. Chunks and manifests are records: placement,
 * replication, hand-off and repair treat them like any record, through their record types.
 */
import { DhtError } from "../errors.js";
import type { Contact, Logger, Router } from "../types.js";
import { silentLogger } from "../types.js";
import { sha256Hex } from "../kademlia/node-id.js";
import type { Transport } from "../rpc/peer-rpc.js";
import type { LocalRecords } from "../records/local-records.js";
import type { ReplicationOptions } from "../replication/options.js";
import { replicaCandidates } from "../replication/replica-candidates.js";
import type { ChunkStore } from "./chunk-store.js";
import { MANIFEST_PREFIX, chunkPosition, claimedHash, manifestKey } from "./content-keys.js";
import { ChunkRepairs, readFile, type ByteRange } from "./download.js";
import { HolderScores, type HolderPenalty } from "./holder-scores.js";
import type { FileContext } from "./file-context.js";
import { resolveFileOptions, type FileOptions } from "./file-options.js";
import { decodeManifest, validateFileId, type FileManifest } from "./manifest.js";
import { upload, type UploadedFile } from "./upload.js";

export type { ByteRange, UploadedFile };

export interface FileServiceComponents {
  router: Router;
  transport: Transport;
  chunks: ChunkStore;
  records: LocalRecords;
  /** The node's replication settings in force (R, W, rpcTimeoutMs). */
  replication: () => Readonly<ReplicationOptions>;
  logger?: Logger;
}

export interface ChunkLocation {
  index: number;
  hash: string;
  position: string;
  /** The R peers closest to the position, closest first. */
  holders: Contact[];
}

export class FileService {
  readonly #c: FileContext;
  readonly #repairs: ChunkRepairs;
  readonly #scores: HolderScores;
  #options: FileOptions;

  constructor(components: FileServiceComponents, options: Partial<FileOptions> = {}) {
    this.#options = resolveFileOptions(options);
    this.#c = {
      router: components.router,
      transport: components.transport,
      chunks: components.chunks,
      records: components.records,
      log: components.logger ?? silentLogger,
      options: () => this.#options,
      replication: components.replication,
    };
    this.#repairs = new ChunkRepairs(this.#c);
    this.#scores = new HolderScores(() => this.#options.maxScoredHolders);
  }

  /** Chunks served corrupt and fetches overtaken by another holder, in total or of one holder. */
  holderPenalties(peerId?: string): HolderPenalty {
    return peerId === undefined ? this.#scores.totals : this.#scores.of(peerId);
  }

  get options(): Readonly<FileOptions> {
    return this.#options;
  }

  /** Replicas re-stored by downloads since start (missing or corrupt copies). */
  get repairedReplicas(): number {
    return this.#repairs.repaired;
  }

  /** All-or-nothing: invalid values throw and change nothing. */
  updateOptions(partial: Partial<FileOptions>): void {
    this.#options = resolveFileOptions(partial, this.#options);
  }

  /** See upload.ts: chunks on their R closest, then the manifest, then the commits. */
  upload(source: AsyncIterable<Uint8Array>, meta: { name: string; mediaType?: string }, signal?: AbortSignal): Promise<UploadedFile> {
    return upload(this.#c, source, meta, signal);
  }

  /** A file's manifest: ours when we hold it, else from the network. NOT_FOUND when nobody has it. */
  async manifest(id: string, signal?: AbortSignal): Promise<FileManifest> {
    validateFileId(id);
    const key = manifestKey(id);
    const local = await this.#c.records.read(key);
    if (local) return decodeManifest(local.value);
    const { replicationFactor } = this.#c.replication();
    let records: Iterable<[string, { value: Uint8Array } | null]> = [];
    try {
      records = (await this.#c.router.lookup(sha256Hex(key), { wanted: replicationFactor, key, ...(signal ? { signal } : {}) })).records;
    } catch (err) {
      throw DhtError.unavailable(`file ${id}: manifest lookup failed`, err);
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
    throw DhtError.notFound(`file ${id}: no such file`);
  }

  /** The manifests this peer holds (intact ones), by file ID, at most `limit`. */
  async listManifests(limit = 1000): Promise<{ id: string; manifest: FileManifest }[]> {
    const infos = await this.#c.records.store.list({ prefix: MANIFEST_PREFIX, limit });
    const out: { id: string; manifest: FileManifest }[] = [];
    for (const info of infos) {
      const record = await this.#c.records.read(info.key);
      if (!record) continue;
      try {
        out.push({ id: claimedHash(record.key)!, manifest: decodeManifest(record.value) });
      } catch {
        // hash matches but not a manifest: its record type refuses those; skip it
      }
    }
    return out;
  }

  /**
   * The bytes of `range` (default the whole file), in order, each chunk verified (download.ts).
   * At most `downloadWindow` chunks are fetched ahead; a consumer that stops pulling stops fetching.
   */
  read(manifest: FileManifest, range: ByteRange = { start: 0, end: manifest.size }, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    return readFile(this.#c, this.#repairs, this.#scores, manifest, range, signal);
  }

  /** Where each chunk of `manifest` lives: its position and current R closest peers. */
  async chunkLocations(manifest: FileManifest): Promise<ChunkLocation[]> {
    const out: ChunkLocation[] = new Array(manifest.chunks.length);
    const r = this.#c.replication().replicationFactor;
    let next = 0;
    const worker = async () => {
      while (next < manifest.chunks.length) {
        const index = next++;
        const hash = manifest.chunks[index]!;
        const position = chunkPosition(hash);
        out[index] = { index, hash, position, holders: await replicaCandidates(this.#c.router, position, r) };
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, manifest.chunks.length) }, worker));
    return out;
  }

  /** Waits for background repairs (tests, shutdown). */
  idle(): Promise<void> {
    return this.#repairs.idle();
  }
}
