/**
 * File sharing inside a running peer, composed in one place so peer.ts only plugs it in:
 * the verified content store over the peer's records, the gRPC chunk streams (server and
 * client), the FileService, and the REST and Connect surfaces.
 */
import type { UntypedServiceImplementation } from "@grpc/grpc-js";
import { Code, ConnectError } from "@connectrpc/connect";
import { chunkCommitUpgrades, ContentStore, FileService, guardContentRecords, MAX_CHUNK_SIZE } from "@p2p/dht";
import type { AntiEntropy, Contact, PeerRpcHandler, RecordStore, Router, Transport } from "@p2p/dht";
import { fileServiceHandlers } from "../api/file-handlers.js";
import type { NodeServiceHandlers } from "../api/node-service.js";
import type { RestRoute } from "../api/rest-routes.js";
import type { PeerConfig } from "../config/peer-config.js";
import type { PeerIdentity } from "../identity/peer-identity.js";
import type { ContactVerifier } from "../identity/signed-contact.js";
import type { Logger } from "../observability/logger.js";
import { chunkServiceMethods } from "./chunk-service.js";
import { fileRoutes, type FileRouteContext } from "./file-routes.js";
import { GrpcChunkTransport } from "./grpc-chunk-transport.js";

export interface PeerFilesOptions {
  records: RecordStore;
  identity: PeerIdentity;
  verifier: ContactVerifier;
  getSelf: () => Contact;
  config: PeerConfig;
  logger: Logger;
}

export class PeerFiles {
  readonly content: ContentStore;
  readonly chunks: GrpcChunkTransport;
  #files: FileService | undefined;
  readonly #opts: PeerFilesOptions;
  #sweeper: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;

  /** Call `init()` before serving and `start()` once the DHT node exists. */
  constructor(opts: PeerFilesOptions) {
    this.#opts = opts;
    this.content = new ContentStore(opts.records, { diskQuotaBytes: opts.config.diskQuotaBytes, maxChunkBytes: MAX_CHUNK_SIZE, chunkLeaseMs: opts.config.chunkLeaseMs }, (key) =>
      opts.logger.warn({ key }, "corrupt content record dropped"),
    );
    this.chunks = new GrpcChunkTransport({ identity: opts.identity, self: opts.getSelf, verifier: opts.verifier, maxChunkBytes: MAX_CHUNK_SIZE });
  }

  /** Counts the chunk bytes held (quota). */
  init(): Promise<void> {
    return this.content.init();
  }

  /** Chunk and manifest records through the verifying content store; everything else to `handler`. */
  guard(handler: PeerRpcHandler): PeerRpcHandler {
    return guardContentRecords(handler, this.content);
  }

  /** FetchChunk / StoreChunk for the PeerService server; `learn` gets every verified sender. */
  grpcMethods(learn: (from: Contact) => void): UntypedServiceImplementation {
    const o = this.#opts;
    return chunkServiceMethods({ identity: o.identity, getSelf: o.getSelf, verifier: o.verifier, content: () => this.content, onSender: learn, log: o.logger });
  }

  /**
   * `store`: the DHT node's indexed record store (same records), so anti-entropy sees the
   * chunks stored, committed and collected here; without it writes go to the raw store.
   * `antiEntropy`: the node's repair, which then spreads a chunk's commit to holders that
   * already have its bytes as a CommitChunks instead of re-sending the whole chunk.
   */
  start(router: Router, transport: Transport, store?: RecordStore, antiEntropy?: Pick<AntiEntropy, "useValuelessUpgrades">): void {
    const c = this.#opts.config;
    if (store) this.content.useStore(store);
    antiEntropy?.useValuelessUpgrades(chunkCommitUpgrades(this.content, this.chunks));
    this.#scheduleSweep();
    this.#files = new FileService(
      { router, transport, chunks: this.chunks, content: this.content, logger: this.#opts.logger },
      { replicationFactor: c.replicationFactor, writeQuorum: c.writeQuorum, maxFileBytes: c.maxFileBytes, rpcTimeoutMs: c.rpcTimeoutMs },
    );
  }

  #context(): FileRouteContext {
    return {
      files: () => {
        if (!this.#files) throw new ConnectError("peer is starting", Code.Unavailable);
        return this.#files;
      },
      content: () => this.content,
    };
  }

  restRoute(): RestRoute {
    return fileRoutes(this.#context());
  }

  nodeServiceHandlers(): NodeServiceHandlers {
    return fileServiceHandlers(this.#context());
  }

  /** Sweeps every quarter lease (10 ms to 10 min): a chunk goes at most 1.25 leases after it was last seen pending. */
  #scheduleSweep(): void {
    if (this.#sweeper) clearInterval(this.#sweeper);
    const every = Math.min(600_000, Math.max(10, Math.floor(this.content.options.chunkLeaseMs / 4)));
    this.#sweeper = setInterval(() => {
      if (this.#sweeping) return; // one sweep at a time
      this.#sweeping = this.content
        .sweepPending()
        .then(
          (removed) => {
            if (removed > 0) this.#opts.logger.info({ removed, pending: this.content.pendingChunks }, "uncommitted upload chunks collected");
          },
          (err: unknown) => this.#opts.logger.warn({ err: String(err) }, "chunk lease sweep failed"),
        )
        .finally(() => (this.#sweeping = undefined));
    }, every);
    this.#sweeper.unref();
  }

  applySettings(next: PeerConfig): void {
    const leaseChanged = next.chunkLeaseMs !== this.content.options.chunkLeaseMs;
    this.content.updateOptions({ diskQuotaBytes: next.diskQuotaBytes, chunkLeaseMs: next.chunkLeaseMs });
    if (leaseChanged && this.#sweeper) this.#scheduleSweep();
    this.#files?.updateOptions({ writeQuorum: next.writeQuorum, maxFileBytes: next.maxFileBytes, rpcTimeoutMs: next.rpcTimeoutMs });
  }

  async stop(): Promise<void> {
    if (this.#sweeper) clearInterval(this.#sweeper);
    await this.#sweeping;
    await this.#files?.idle();
    this.chunks.close();
  }
}
