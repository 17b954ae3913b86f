/**
 * File sharing inside a running peer, composed in one place so peer.ts only plugs it in:
 * the verified content store over the peer's records, the gRPC chunk streams (server and
 * client), the FileService, and the REST and Connect surfaces.
 */
import type { UntypedServiceImplementation } from "@grpc/grpc-js";
import { Code, ConnectError } from "@connectrpc/connect";
import { ContentStore, FileService, guardContentRecords, MAX_CHUNK_SIZE } from "@p2p/dht";
import type { Contact, PeerRpcHandler, RecordStore, Router, Transport } from "@p2p/dht";
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

  /** Call `init()` before serving and `start()` once the DHT node exists. */
  constructor(opts: PeerFilesOptions) {
    this.#opts = opts;
    this.content = new ContentStore(opts.records, { diskQuotaBytes: opts.config.diskQuotaBytes, maxChunkBytes: MAX_CHUNK_SIZE }, (key) =>
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

  start(router: Router, transport: Transport): void {
    const c = this.#opts.config;
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

  applySettings(next: PeerConfig): void {
    this.content.updateOptions({ diskQuotaBytes: next.diskQuotaBytes });
    this.#files?.updateOptions({ writeQuorum: next.writeQuorum, maxFileBytes: next.maxFileBytes, rpcTimeoutMs: next.rpcTimeoutMs });
  }

  async stop(): Promise<void> {
    await this.#files?.idle();
    this.chunks.close();
  }
}
