/**
 * The chunk calls of the gRPC transport: FetchChunk (server stream), StoreChunk (client stream)
 * and CommitChunks, in 64 KiB frames with backpressure. It keeps its own channel pool: bulk
 * chunk streams then never share an HTTP/2 connection (and its flow-control window) with the
 * small Kademlia calls that keep routing alive.
 */
import { create } from "@bufbuild/protobuf";
import { Metadata } from "@grpc/grpc-js";
import type { ChannelOptions, Client, ServiceError } from "@grpc/grpc-js";
import { CommitChunksRequestSchema, FetchChunkRequestSchema, PeerService, ReleaseChunksRequestSchema, StoreChunkRequestSchema } from "@p2p/proto/peer";
import type { CommitChunksResponse, FetchChunkResponse, ReleaseChunksResponse, SignedContact, StoreChunkResponse } from "@p2p/proto/peer";
import { DhtError, systemClock } from "@p2p/dht";
import type { CallOptions, ChunkStoreResult, Clock, CommitResult, Contact, ReleaseResult, StoreChunkRequest, Transport } from "@p2p/dht";
import { dhtErrorFromGrpc } from "../edge-errors.js";
import type { PeerIdentity } from "../identity/peer-identity.js";
import { SelfContactSigner } from "../identity/signed-contact.js";
import type { Responders } from "./responders.js";
import { ChannelPool, type CredentialsFor } from "./channel-pool.js";
import { ChunkAssembler, frames } from "./chunk-frames.js";
import { grpcServiceDefinition } from "./service-definition.js";

const peerService = grpcServiceDefinition(PeerService);

/** HTTP/2 receive window of chunk channels (per stream and per connection): 8 chunks of 1 MiB. */
const FLOW_CONTROL_WINDOW_BYTES = 8 << 20;

export interface ChunkClientOptions {
  /** Credentials of each new channel (TLS bound to the peer dialled). Default: plaintext. */
  credentialsFor?: CredentialsFor;
  identity: PeerIdentity;
  self: () => Contact;
  /** Checks who answered (shared with the unary calls). */
  responders: Responders;
  /** Largest chunk accepted from a peer, bytes. */
  maxChunkBytes: number;
  /** Open channels kept. Default 64: chunk traffic goes to a few replica sets at a time. */
  maxChannels?: number;
  clock?: Clock;
}

export class ChunkClient implements Pick<Transport, "fetchChunk" | "storeChunk" | "commitChunks" | "releaseChunks"> {
  readonly #pool: ChannelPool;
  readonly #signer: SelfContactSigner;
  readonly #responders: Responders;
  readonly #self: () => Contact;
  readonly #maxChunkBytes: number;

  constructor(opts: ChunkClientOptions) {
    const channelOptions: ChannelOptions = {
      "grpc.max_send_message_length": 1 << 20,
      "grpc.max_receive_message_length": 1 << 20,
      "grpc.keepalive_time_ms": 30_000,
      "grpc.keepalive_timeout_ms": 10_000,
      "grpc.use_local_subchannel_pool": 1,
      // HTTP/2's default receive window (64 KiB per stream and per connection) lets a holder
      // send one frame per window update: a download then waits on the event loop's turns,
      // not the wire. A window of a whole download window of chunks lets every FetchChunk
      // stream flow; memory stays bounded by the chunks we asked for (each is read in full).
      "grpc-node.flow_control_window": FLOW_CONTROL_WINDOW_BYTES,
    };
    this.#pool = new ChannelPool(opts.maxChannels ?? 64, channelOptions, opts.credentialsFor);
    this.#signer = new SelfContactSigner(opts.identity, opts.clock ?? systemClock);
    this.#responders = opts.responders;
    this.#self = opts.self;
    this.#maxChunkBytes = opts.maxChunkBytes;
  }

  close(): void {
    this.#pool.close();
  }

  async fetchChunk(to: Contact, hash: string, opts: CallOptions): Promise<Uint8Array> {
    const what = `FetchChunk ${to.address}`;
    const lease = this.#acquire(to, what);
    const req = create(FetchChunkRequestSchema, { sender: this.#sender(), hash });
    const call = lease.client.makeServerStreamRequest(
      peerService.fetchChunk.path,
      peerService.fetchChunk.requestSerialize,
      peerService.fetchChunk.responseDeserialize,
      req,
      new Metadata(),
      { deadline: Date.now() + opts.timeoutMs },
    );
    const onAbort = () => call.cancel();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      let assembler: ChunkAssembler | undefined;
      for await (const msg of call as AsyncIterable<FetchChunkResponse>) {
        if (!assembler) {
          this.#responders.check(to, msg.sender);
          if (msg.size > this.#maxChunkBytes) throw DhtError.internal(`${what}: chunk of ${msg.size} bytes exceeds ${this.#maxChunkBytes}`);
          assembler = new ChunkAssembler(msg.size);
        }
        if (!assembler.add(msg.data)) throw DhtError.internal(`${what}: more bytes than the declared size`);
      }
      if (!assembler || !assembler.complete) throw DhtError.internal(`${what}: stream ended before the chunk was complete`);
      return assembler.bytes;
    } catch (err) {
      call.cancel();
      throw dhtErrorFromGrpc(err, what);
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
      lease.release();
    }
  }

  commitChunks(to: Contact, hashes: string[], opts: CallOptions): Promise<CommitResult> {
    return this.#answered(to, "CommitChunks", opts, (client, callback) =>
      client.makeUnaryRequest(
        peerService.commitChunks.path,
        peerService.commitChunks.requestSerialize,
        peerService.commitChunks.responseDeserialize,
        create(CommitChunksRequestSchema, { sender: this.#sender(), hashes }),
        new Metadata(),
        { deadline: Date.now() + opts.timeoutMs },
        callback,
      ),
      (res: CommitChunksResponse) => ({ committed: res.committed, missing: res.missing }),
    );
  }

  releaseChunks(to: Contact, hashes: string[], opts: CallOptions): Promise<ReleaseResult> {
    return this.#answered(to, "ReleaseChunks", opts, (client, callback) =>
      client.makeUnaryRequest(
        peerService.releaseChunks.path,
        peerService.releaseChunks.requestSerialize,
        peerService.releaseChunks.responseDeserialize,
        create(ReleaseChunksRequestSchema, { sender: this.#sender(), hashes }),
        new Metadata(),
        { deadline: Date.now() + opts.timeoutMs },
        callback,
      ),
      (res: ReleaseChunksResponse) => ({ released: res.released, kept: res.kept, missing: res.missing }),
    );
  }

  storeChunk(to: Contact, chunk: StoreChunkRequest, opts: CallOptions): Promise<ChunkStoreResult> {
    const { hash, bytes, pending } = chunk;
    return this.#answered(to, "StoreChunk", opts, (client, callback) => {
      const call = client.makeClientStreamRequest(
        peerService.storeChunk.path,
        peerService.storeChunk.requestSerialize,
        peerService.storeChunk.responseDeserialize,
        new Metadata(),
        { deadline: Date.now() + opts.timeoutMs },
        callback,
      );
      // Write frame by frame, waiting for 'drain' whenever grpc-js's buffer is full: the
      // remote's HTTP/2 flow control then paces us instead of our memory.
      const it = frames(bytes)[Symbol.iterator]();
      let first = true;
      const pump = (): void => {
        for (let r = it.next(); !r.done; r = it.next()) {
          const msg = first
            ? create(StoreChunkRequestSchema, { sender: this.#sender(), hash, size: bytes.byteLength, data: r.value, pending })
            : create(StoreChunkRequestSchema, { data: r.value });
          first = false;
          if (!call.write(msg)) {
            call.once("drain", pump);
            return;
          }
        }
        call.end();
      };
      call.on("error", () => {}); // the callback reports it
      pump();
      return call;
    }, (res: StoreChunkResponse) => ({ applied: res.applied }));
  }

  /**
   * A call with one answer (unary or client stream) on a pooled channel: canceled when
   * `opts.signal` aborts, the responder checked, the answer mapped by `answer`.
   */
  #answered<Res extends { sender?: SignedContact }, T>(
    to: Contact,
    method: string,
    opts: CallOptions,
    start: (client: Client, callback: (err: ServiceError | null, res?: Res) => void) => { cancel(): void },
    answer: (res: Res) => T,
  ): Promise<T> {
    const what = `${method} ${to.address}`;
    let lease: ReturnType<ChannelPool["acquire"]>;
    try {
      lease = this.#acquire(to, what);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<T>((resolve, reject) => {
      const call = start(lease.client, (err, res) => {
        opts.signal?.removeEventListener("abort", onAbort);
        lease.release();
        if (err || !res) return reject(dhtErrorFromGrpc(err ?? new Error("empty response"), what));
        try {
          this.#responders.check(to, res.sender);
          resolve(answer(res));
        } catch (e) {
          reject(e);
        }
      });
      const onAbort = () => call.cancel();
      opts.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #acquire(to: Contact, what: string) {
    try {
      return this.#pool.acquire(to.address, to.id);
    } catch (err) {
      throw dhtErrorFromGrpc(err, what);
    }
  }

  #sender(): SignedContact {
    return this.#signer.sign(this.#self());
  }
}
