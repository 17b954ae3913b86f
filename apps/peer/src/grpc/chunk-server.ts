/**
 * The server side of FetchChunk, StoreChunk and CommitChunks: verifies the sender like every
 * PeerService call, streams chunks in 64 KiB frames with backpressure, bounds the transfers in
 * progress (each one buffers up to a chunk), and hands the assembled request to the node's
 * handler, so the chunk calls are timed and counted like every other method.
 */
import { create } from "@bufbuild/protobuf";
import type { sendUnaryData, ServerReadableStream, ServerUnaryCall, ServerWritableStream, UntypedServiceImplementation } from "@grpc/grpc-js";
import { CommitChunksResponseSchema, FetchChunkResponseSchema, ReleaseChunksResponseSchema, StoreChunkResponseSchema } from "@p2p/proto/peer";
import type {
  CommitChunksRequest,
  CommitChunksResponse,
  FetchChunkRequest,
  FetchChunkResponse,
  ReleaseChunksRequest,
  ReleaseChunksResponse,
  SignedContact,
  StoreChunkRequest,
  StoreChunkResponse,
} from "@p2p/proto/peer";
import { DhtError, isNodeId, systemClock } from "@p2p/dht";
import type { Clock, Contact, Logger, PeerRpcHandler } from "@p2p/dht";
import { grpcStatusFromError } from "../edge-errors.js";
import type { PeerIdentity } from "../identity/peer-identity.js";
import { SelfContactSigner } from "../identity/signed-contact.js";
import type { SenderVerifier } from "./sender-verifier.js";
import { ChunkAssembler, frames } from "./chunk-frames.js";
import { widenReceiveWindow } from "./receive-window.js";

export interface ChunkServerOptions {
  identity: PeerIdentity;
  getSelf: () => Contact;
  /** Checks each request's sender (and, over TLS, that it is the connection's peer). */
  senders: SenderVerifier;
  /** The node's handler (it learns the sender and answers from its chunk store). */
  handler: PeerRpcHandler;
  /** Largest chunk a StoreChunk may declare, bytes. */
  maxChunkBytes: number;
  /**
   * Chunk transfers served at once, per direction (FetchChunk and StoreChunk each have their own
   * budget, so uploads that stall cannot starve downloads); more are refused with UNAVAILABLE
   * (the caller tries another holder). Default 32.
   */
  maxConcurrent?: number;
  /** A StoreChunk stream with no frame for this long is ended with DEADLINE_EXCEEDED, ms. Default 10000. */
  frameTimeoutMs?: number;
  log: Logger;
  clock?: Clock;
}

/** grpc-js handlers for `fetchChunk`, `storeChunk`, `commitChunks` and `releaseChunks`, to add to the PeerService implementation. */
export function chunkServerMethods(opts: ChunkServerOptions): UntypedServiceImplementation {
  const signer = new SelfContactSigner(opts.identity, opts.clock ?? systemClock);
  const sender = (): SignedContact => signer.sign(opts.getSelf());
  const maxConcurrent = opts.maxConcurrent ?? 32;
  const frameTimeoutMs = opts.frameTimeoutMs ?? 10_000;
  const { handler } = opts;
  const active = { fetch: 0, store: 0 };
  const admit = (direction: "fetch" | "store") => {
    if (active[direction] >= maxConcurrent) throw DhtError.unavailable(`busy: ${maxConcurrent} chunk ${direction}es in progress`);
    active[direction]++;
    let done = false;
    return () => {
      if (!done) active[direction]--;
      done = true;
    };
  };

  const fetchChunk = (call: ServerWritableStream<FetchChunkRequest, FetchChunkResponse>) => {
    let release = () => {};
    const fail = (err: unknown) => {
      release();
      call.emit("error", grpcStatusFromError(err, opts.log, "FetchChunk"));
    };
    void (async () => {
      const from = opts.senders.verify(call, call.request.sender, "sender");
      if (!isNodeId(call.request.hash)) throw DhtError.invalidArgument("hash: must be 64 lowercase hex characters");
      release = admit("fetch");
      const bytes = await handler.onFetchChunk(from, call.request.hash);
      let first = true;
      for (const frame of frames(bytes)) {
        if (call.cancelled) return release();
        const msg = first ? create(FetchChunkResponseSchema, { sender: sender(), size: bytes.byteLength, data: frame }) : create(FetchChunkResponseSchema, { data: frame });
        first = false;
        if (!call.write(msg)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              call.off("drain", done);
              call.off("close", done);
              resolve();
            };
            call.on("drain", done);
            call.on("close", done);
          });
        }
      }
      call.end();
      release();
    })().catch(fail);
  };

  const storeChunk = (call: ServerReadableStream<StoreChunkRequest, StoreChunkResponse>, callback: sendUnaryData<StoreChunkResponse>) => {
    let release = () => {};
    // Every frame within frameTimeoutMs: a stream left open (a cut or abandoned upload) would
    // otherwise hold its transfer slot and its partly assembled chunk until the client's deadline.
    let stalled = false;
    const stall = setTimeout(() => {
      stalled = true;
      call.destroy(DhtError.deadlineExceeded(`stream: no frame for ${frameTimeoutMs} ms`));
    }, frameTimeoutMs);
    call.on("data", () => stall.refresh());
    void (async () => {
      let assembler: ChunkAssembler | undefined;
      let from: Contact | undefined;
      let hash = "";
      let pending = false;
      for await (const msg of call as AsyncIterable<StoreChunkRequest>) {
        if (!assembler) {
          from = opts.senders.verify(call, msg.sender, "sender");
          if (!isNodeId(msg.hash)) throw DhtError.invalidArgument("hash: must be 64 lowercase hex characters");
          if (msg.size > opts.maxChunkBytes) throw DhtError.invalidArgument(`size: ${msg.size} bytes exceeds the chunk limit of ${opts.maxChunkBytes} bytes`);
          release = admit("store");
          widenReceiveWindow(call);
          hash = msg.hash;
          pending = msg.pending;
          assembler = new ChunkAssembler(msg.size);
        }
        if (!assembler.add(msg.data)) throw DhtError.invalidArgument("data: more bytes than the declared size");
      }
      if (!assembler || !from) throw DhtError.invalidArgument("stream: empty, expected a first frame with sender, hash and size");
      if (!assembler.complete) throw DhtError.invalidArgument("data: stream ended before the declared size");
      const result = await handler.onStoreChunk(from, { hash, bytes: assembler.bytes, pending });
      return create(StoreChunkResponseSchema, { sender: sender(), applied: result.applied });
    })().then(
      (res) => {
        clearTimeout(stall);
        release();
        callback(null, res);
      },
      (err: unknown) => {
        clearTimeout(stall);
        release();
        // A sender that cancels (or whose connection drops) is not this peer's failure: no error log.
        const cause = stalled ? DhtError.deadlineExceeded(`stream: no frame for ${frameTimeoutMs} ms`)
          : call.cancelled ? DhtError.canceled("stream: the sender cancelled it")
          : err;
        callback(grpcStatusFromError(cause, opts.log, "StoreChunk"));
      },
    );
  };

  const commitChunks = (call: ServerUnaryCall<CommitChunksRequest, CommitChunksResponse>, callback: sendUnaryData<CommitChunksResponse>) => {
    void (async () => {
      const from = opts.senders.verify(call, call.request.sender, "sender");
      const result = await handler.onCommitChunks(from, call.request.hashes); // validates count and each hash
      return create(CommitChunksResponseSchema, { sender: sender(), committed: result.committed, missing: result.missing });
    })().then(
      (res) => callback(null, res),
      (err: unknown) => callback(grpcStatusFromError(err, opts.log, "CommitChunks")),
    );
  };

  const releaseChunks = (call: ServerUnaryCall<ReleaseChunksRequest, ReleaseChunksResponse>, callback: sendUnaryData<ReleaseChunksResponse>) => {
    void (async () => {
      const from = opts.senders.verify(call, call.request.sender, "sender");
      const result = await handler.onReleaseChunks(from, call.request.hashes); // validates count, each hash, and that the sender placed them
      return create(ReleaseChunksResponseSchema, { sender: sender(), released: result.released, kept: result.kept, missing: result.missing });
    })().then(
      (res) => callback(null, res),
      (err: unknown) => callback(grpcStatusFromError(err, opts.log, "ReleaseChunks")),
    );
  };

  return { fetchChunk, storeChunk, commitChunks, releaseChunks } as unknown as UntypedServiceImplementation;
}
