/**
 * The peer-to-peer protocol as the core sees it: every PeerService method once, on both sides
 * of the transport seam. `Transport` is how a node calls other peers (gRPC in real peers, the
 * memory network in tests); `PeerRpcHandler` is what a node answers. Both list every method,
 * so the interceptor chain (interceptor.ts) times, bounds and cancels each one without a
 * hand-written wrapper, and a new RPC is a new entry here and in the two tables below.
 */
import { DhtError } from "../errors.js";
import type {
  CallOptions,
  Contact,
  DhtRecord,
  FindValueResult,
  NodeId,
  StoreResult,
  SyncDigestRequest,
  SyncDigestResult,
  SyncKeysRequest,
  SyncKeysResult,
} from "../types.js";

/** A chunk to store on a peer: `pending` while the upload that sends it has not stored its manifest. */
export interface StoreChunkRequest {
  hash: string;
  bytes: Uint8Array;
  pending: boolean;
}

export interface ChunkStoreResult {
  /** False when the receiver already held the chunk (content is stored once). */
  applied: boolean;
}

/** What a CommitChunks did on the receiver. */
export interface CommitResult {
  /** Chunks held there that are now committed (including ones that already were). */
  committed: number;
  /** Hashes not held there (never arrived, or already collected). */
  missing: number;
}

/**
 * How the core sends requests to other peers. Implementations attach the local peer's identity
 * to every request, check that the responder is the peer `to.id` names, honour `opts.timeoutMs`
 * and `opts.signal`, and fail with a DhtError (unavailable, deadline_exceeded, …) otherwise.
 */
export interface Transport {
  ping(to: Contact, opts: CallOptions): Promise<void>;
  findNode(to: Contact, target: NodeId, opts: CallOptions): Promise<Contact[]>;
  findValue(to: Contact, key: string, opts: CallOptions): Promise<FindValueResult>;
  store(to: Contact, record: DhtRecord, opts: CallOptions): Promise<StoreResult>;
  /** Anti-entropy: compares digest roots; the remote's leaves come back only when they differ. */
  syncDigest(to: Contact, request: SyncDigestRequest, opts: CallOptions): Promise<SyncDigestResult>;
  /** Anti-entropy: the remote's (key, version) pairs of some digest leaves, paged. */
  syncKeys(to: Contact, request: SyncKeysRequest, opts: CallOptions): Promise<SyncKeysResult>;
  /** Anti-entropy: the records the remote holds among `keys` (within its size budget). */
  fetchRecords(to: Contact, keys: string[], opts: CallOptions): Promise<DhtRecord[]>;
  /** Tells the remote we are leaving, so it drops us from its routing table at once. */
  goodbye(to: Contact, opts: CallOptions): Promise<void>;
  /**
   * A chunk's bytes. Fails with NOT_FOUND (not held) or DATA_LOSS (held corrupt: the holder
   * dropped it). Callers verify the bytes against `hash` anyway: the network is not trusted.
   */
  fetchChunk(to: Contact, hash: string, opts: CallOptions): Promise<Uint8Array>;
  /** Stores a chunk; RESOURCE_EXHAUSTED when the receiver is over its disk quota. */
  storeChunk(to: Contact, chunk: StoreChunkRequest, opts: CallOptions): Promise<ChunkStoreResult>;
  /** Commits chunks the remote holds pending (at most MAX_COMMIT_HASHES per call). */
  commitChunks(to: Contact, hashes: string[], opts: CallOptions): Promise<CommitResult>;
}

/**
 * What a peer answers to incoming requests. The transport's server side calls it after it has
 * validated the message's shape and verified the sender; `from` is that verified sender.
 */
export interface PeerRpcHandler {
  onPing(from: Contact): Promise<void>;
  onFindNode(from: Contact, target: NodeId): Promise<Contact[]>;
  onFindValue(from: Contact, key: string): Promise<FindValueResult>;
  onStore(from: Contact, record: DhtRecord): Promise<StoreResult>;
  onSyncDigest(from: Contact, request: SyncDigestRequest): Promise<SyncDigestResult>;
  onSyncKeys(from: Contact, request: SyncKeysRequest): Promise<SyncKeysResult>;
  onFetchRecords(from: Contact, keys: string[]): Promise<DhtRecord[]>;
  onGoodbye(from: Contact): Promise<void>;
  onFetchChunk(from: Contact, hash: string): Promise<Uint8Array>;
  onStoreChunk(from: Contact, chunk: StoreChunkRequest): Promise<ChunkStoreResult>;
  onCommitChunks(from: Contact, hashes: string[]): Promise<CommitResult>;
}

/** Each method's request as one value (what interceptors see). */
export interface PeerRequests {
  ping: undefined;
  findNode: NodeId;
  findValue: string;
  store: DhtRecord;
  syncDigest: SyncDigestRequest;
  syncKeys: SyncKeysRequest;
  fetchRecords: string[];
  goodbye: undefined;
  fetchChunk: string;
  storeChunk: StoreChunkRequest;
  commitChunks: string[];
}

/** Each method's answer. */
export interface PeerResponses {
  ping: void;
  findNode: Contact[];
  findValue: FindValueResult;
  store: StoreResult;
  syncDigest: SyncDigestResult;
  syncKeys: SyncKeysResult;
  fetchRecords: DhtRecord[];
  goodbye: void;
  fetchChunk: Uint8Array;
  storeChunk: ChunkStoreResult;
  commitChunks: CommitResult;
}

export type PeerMethod = keyof PeerRequests;

/** PeerService's method names as in peer.proto, by method: the names metrics and Stats show. */
export const PEER_METHOD_NAMES = {
  ping: "Ping",
  findNode: "FindNode",
  findValue: "FindValue",
  store: "Store",
  syncDigest: "SyncDigest",
  syncKeys: "SyncKeys",
  fetchRecords: "FetchRecords",
  goodbye: "Goodbye",
  fetchChunk: "FetchChunk",
  storeChunk: "StoreChunk",
  commitChunks: "CommitChunks",
} as const satisfies Record<PeerMethod, string>;

export type PeerMethodName = (typeof PEER_METHOD_NAMES)[PeerMethod];

/** Every method, in protocol order. */
export const PEER_METHODS = Object.keys(PEER_METHOD_NAMES) as PeerMethod[];

/** Every PeerService method name, in protocol order. */
export const PEER_METHOD_NAME_LIST: readonly PeerMethodName[] = PEER_METHODS.map((m) => PEER_METHOD_NAMES[m]);

/** One outgoing call as client interceptors see it. */
export type OutgoingCall = {
  [M in PeerMethod]: { method: M; peer: Contact; request: PeerRequests[M]; timeoutMs: number; signal?: AbortSignal };
}[PeerMethod];

/** One incoming call as server interceptors see it; `from` is the verified sender. */
export type IncomingCall = {
  [M in PeerMethod]: { method: M; from: Contact; request: PeerRequests[M] };
}[PeerMethod];

/** Sends one call with `transport`. */
export function sendCall(transport: Transport, call: OutgoingCall): Promise<unknown> {
  const opts: CallOptions = call.signal ? { timeoutMs: call.timeoutMs, signal: call.signal } : { timeoutMs: call.timeoutMs };
  switch (call.method) {
    case "ping":
      return transport.ping(call.peer, opts);
    case "findNode":
      return transport.findNode(call.peer, call.request, opts);
    case "findValue":
      return transport.findValue(call.peer, call.request, opts);
    case "store":
      return transport.store(call.peer, call.request, opts);
    case "syncDigest":
      return transport.syncDigest(call.peer, call.request, opts);
    case "syncKeys":
      return transport.syncKeys(call.peer, call.request, opts);
    case "fetchRecords":
      return transport.fetchRecords(call.peer, call.request, opts);
    case "goodbye":
      return transport.goodbye(call.peer, opts);
    case "fetchChunk":
      return transport.fetchChunk(call.peer, call.request, opts);
    case "storeChunk":
      return transport.storeChunk(call.peer, call.request, opts);
    case "commitChunks":
      return transport.commitChunks(call.peer, call.request, opts);
  }
}

/** Hands one incoming call to `handler`. */
export function handleCall(handler: PeerRpcHandler, call: IncomingCall): Promise<unknown> {
  switch (call.method) {
    case "ping":
      return handler.onPing(call.from);
    case "findNode":
      return handler.onFindNode(call.from, call.request);
    case "findValue":
      return handler.onFindValue(call.from, call.request);
    case "store":
      return handler.onStore(call.from, call.request);
    case "syncDigest":
      return handler.onSyncDigest(call.from, call.request);
    case "syncKeys":
      return handler.onSyncKeys(call.from, call.request);
    case "fetchRecords":
      return handler.onFetchRecords(call.from, call.request);
    case "goodbye":
      return handler.onGoodbye(call.from);
    case "fetchChunk":
      return handler.onFetchChunk(call.from, call.request);
    case "storeChunk":
      return handler.onStoreChunk(call.from, call.request);
    case "commitChunks":
      return handler.onCommitChunks(call.from, call.request);
  }
}

/**
 * A Transport whose every method goes through `send` (the head of an interceptor chain).
 * The answers' types are those of the methods: `send` must answer what `sendCall` would.
 */
export function transportOf(send: (call: OutgoingCall) => Promise<unknown>): Transport {
  type R<M extends PeerMethod> = Promise<PeerResponses[M]>;
  return {
    ping: (peer, o) => send({ method: "ping", peer, request: undefined, ...o }) as R<"ping">,
    findNode: (peer, request, o) => send({ method: "findNode", peer, request, ...o }) as R<"findNode">,
    findValue: (peer, request, o) => send({ method: "findValue", peer, request, ...o }) as R<"findValue">,
    store: (peer, request, o) => send({ method: "store", peer, request, ...o }) as R<"store">,
    syncDigest: (peer, request, o) => send({ method: "syncDigest", peer, request, ...o }) as R<"syncDigest">,
    syncKeys: (peer, request, o) => send({ method: "syncKeys", peer, request, ...o }) as R<"syncKeys">,
    fetchRecords: (peer, request, o) => send({ method: "fetchRecords", peer, request, ...o }) as R<"fetchRecords">,
    goodbye: (peer, o) => send({ method: "goodbye", peer, request: undefined, ...o }) as R<"goodbye">,
    fetchChunk: (peer, request, o) => send({ method: "fetchChunk", peer, request, ...o }) as R<"fetchChunk">,
    storeChunk: (peer, request, o) => send({ method: "storeChunk", peer, request, ...o }) as R<"storeChunk">,
    commitChunks: (peer, request, o) => send({ method: "commitChunks", peer, request, ...o }) as R<"commitChunks">,
  };
}

/** A PeerRpcHandler whose every method goes through `handle` (the head of an interceptor chain). */
export function handlerOf(handle: (call: IncomingCall) => Promise<unknown>): PeerRpcHandler {
  type R<M extends PeerMethod> = Promise<PeerResponses[M]>;
  return {
    onPing: (from) => handle({ method: "ping", from, request: undefined }) as R<"ping">,
    onFindNode: (from, request) => handle({ method: "findNode", from, request }) as R<"findNode">,
    onFindValue: (from, request) => handle({ method: "findValue", from, request }) as R<"findValue">,
    onStore: (from, request) => handle({ method: "store", from, request }) as R<"store">,
    onSyncDigest: (from, request) => handle({ method: "syncDigest", from, request }) as R<"syncDigest">,
    onSyncKeys: (from, request) => handle({ method: "syncKeys", from, request }) as R<"syncKeys">,
    onFetchRecords: (from, request) => handle({ method: "fetchRecords", from, request }) as R<"fetchRecords">,
    onGoodbye: (from) => handle({ method: "goodbye", from, request: undefined }) as R<"goodbye">,
    onFetchChunk: (from, request) => handle({ method: "fetchChunk", from, request }) as R<"fetchChunk">,
    onStoreChunk: (from, request) => handle({ method: "storeChunk", from, request }) as R<"storeChunk">,
    onCommitChunks: (from, request) => handle({ method: "commitChunks", from, request }) as R<"commitChunks">,
  };
}

/**
 * A handler that serves nothing: every method fails with UNIMPLEMENTED. For fakes and partial
 * peers to override method by method (`{ ...unimplementedHandler(), onPing: … }`).
 */
export function unimplementedHandler(): PeerRpcHandler {
  return handlerOf(async (call) => {
    throw DhtError.unimplemented(`${PEER_METHOD_NAMES[call.method]} is not served by this peer`);
  });
}

/** A transport that reaches nobody: every method fails with UNIMPLEMENTED. For fakes to override. */
export function unimplementedTransport(): Transport {
  return transportOf(async (call) => {
    throw DhtError.unimplemented(`${PEER_METHOD_NAMES[call.method]} is not sent by this transport`);
  });
}
