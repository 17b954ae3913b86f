/**
 * The peer-to-peer protocol as the core sees it: every PeerService method once, on both sides
 * of the transport seam. `Transport` is how a node calls other peers (gRPC in real peers, the
 * memory network in tests); `PeerRpcHandler` is what a node answers. Both list every method,
 * so the interceptor chain (interceptor.ts) times, bounds and cancels each one without a
 * hand-written wrapper, and a new RPC is a new entry here and in the two tables below.
 */
import { DhtError } from "../errors.js";
import type { SpanContext } from "../tracing/trace-context.js";
import type { CallTrace } from "../tracing/tracer.js";
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

/** What a ReleaseChunks did on the receiver. */
export interface ReleaseResult {
  /** Pending chunks removed (placed only by the sender's upload): their bytes left the quota. */
  released: number;
  /** Chunks held that stay: committed (another file's), placed by another upload too, or placers unknown (after a restart; the lease collects them). */
  kept: number;
  /** Hashes not held there. */
  missing: number;
}

/** Records or keys in one StoreMany or FindValueMany call, at most. */
export const MAX_BATCH_RECORDS = 1000;

/** One record's outcome of a StoreMany: what a Store of it alone would have answered, or thrown. */
export type StoreManyOutcome = StoreResult | DhtError;

/**
 * One key's outcome of a FindValueMany: the receiver's copy (null: none), "omitted" (left out to
 * keep the answer under the message size limit: ask again), or why the key could not be read.
 */
export type FindValueManyOutcome = DhtRecord | null | "omitted" | DhtError;

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
  /** Releases chunks our upload placed pending there and will not commit (at most MAX_COMMIT_HASHES per call). */
  releaseChunks(to: Contact, hashes: string[], opts: CallOptions): Promise<ReleaseResult>;
  /** Stores records (at most MAX_BATCH_RECORDS) as Store would, one outcome per record in order. */
  storeMany(to: Contact, records: DhtRecord[], opts: CallOptions): Promise<StoreManyOutcome[]>;
  /** The remote's copies of keys (at most MAX_BATCH_RECORDS), one outcome per key in order, without contacts. */
  findValueMany(to: Contact, keys: string[], opts: CallOptions): Promise<FindValueManyOutcome[]>;
}

/**
 * What a peer answers to incoming requests. The transport's server side calls it after it has
 * validated the message's shape and verified the sender; `from` is that verified sender.
 * `trace`: the caller's span when the call carries a trace (gRPC metadata `traceparent`); the
 * server tracing interceptor records the call under it. Handlers themselves ignore it.
 */
export interface PeerRpcHandler {
  onPing(from: Contact, trace?: SpanContext): Promise<void>;
  onFindNode(from: Contact, target: NodeId, trace?: SpanContext): Promise<Contact[]>;
  onFindValue(from: Contact, key: string, trace?: SpanContext): Promise<FindValueResult>;
  onStore(from: Contact, record: DhtRecord, trace?: SpanContext): Promise<StoreResult>;
  onSyncDigest(from: Contact, request: SyncDigestRequest): Promise<SyncDigestResult>;
  onSyncKeys(from: Contact, request: SyncKeysRequest): Promise<SyncKeysResult>;
  onFetchRecords(from: Contact, keys: string[]): Promise<DhtRecord[]>;
  onGoodbye(from: Contact): Promise<void>;
  onFetchChunk(from: Contact, hash: string): Promise<Uint8Array>;
  onStoreChunk(from: Contact, chunk: StoreChunkRequest): Promise<ChunkStoreResult>;
  onCommitChunks(from: Contact, hashes: string[]): Promise<CommitResult>;
  onReleaseChunks(from: Contact, hashes: string[]): Promise<ReleaseResult>;
  onStoreMany(from: Contact, records: DhtRecord[]): Promise<StoreManyOutcome[]>;
  onFindValueMany(from: Contact, keys: string[]): Promise<FindValueManyOutcome[]>;
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
  releaseChunks: string[];
  storeMany: DhtRecord[];
  findValueMany: string[];
}

/** Each method's answer (what interceptors pass back). */
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
  releaseChunks: ReleaseResult;
  storeMany: StoreManyOutcome[];
  findValueMany: FindValueManyOutcome[];
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
  releaseChunks: "ReleaseChunks",
  storeMany: "StoreMany",
  findValueMany: "FindValueMany",
} as const satisfies Record<PeerMethod, string>;

export type PeerMethodName = (typeof PEER_METHOD_NAMES)[PeerMethod];

/** Every method, in protocol order. */
export const PEER_METHODS = Object.keys(PEER_METHOD_NAMES) as PeerMethod[];

/** Every PeerService method name, in protocol order. */
export const PEER_METHOD_NAME_LIST: readonly PeerMethodName[] = PEER_METHODS.map((m) => PEER_METHOD_NAMES[m]);

/** One outgoing call as client interceptors see it. */
export type OutgoingCall = {
  [M in PeerMethod]: { method: M; peer: Contact; request: PeerRequests[M]; timeoutMs: number; signal?: AbortSignal; trace?: CallTrace };
}[PeerMethod];

/** One incoming call as server interceptors see it; `from` is the verified sender. */
export type IncomingCall = {
  [M in PeerMethod]: { method: M; from: Contact; request: PeerRequests[M]; trace?: SpanContext };
}[PeerMethod];

/** Methods whose request carries nothing beyond the sender (`ping(to, opts)`, `onPing(from)`). */
const WITHOUT_REQUEST: ReadonlySet<PeerMethod> = new Set(["ping", "goodbye"]);

/** The handler's name of a method: `onPing` for `ping`. */
function handlerName(method: PeerMethod): keyof PeerRpcHandler {
  return `on${PEER_METHOD_NAMES[method]}` as keyof PeerRpcHandler;
}

type AnyFn = (...args: unknown[]) => Promise<unknown>;

/** Sends one call with `transport`. */
export function sendCall(transport: Transport, call: OutgoingCall): Promise<unknown> {
  const opts: CallOptions = call.signal ? { timeoutMs: call.timeoutMs, signal: call.signal } : { timeoutMs: call.timeoutMs };
  if (call.trace) opts.trace = call.trace;
  const fn = transport[call.method] as AnyFn;
  return WITHOUT_REQUEST.has(call.method) ? fn.call(transport, call.peer, opts) : fn.call(transport, call.peer, call.request, opts);
}

/** Hands one incoming call to `handler`. */
export function handleCall(handler: PeerRpcHandler, call: IncomingCall): Promise<unknown> {
  const fn = handler[handlerName(call.method)] as AnyFn;
  return WITHOUT_REQUEST.has(call.method) ? fn.call(handler, call.from, call.trace) : fn.call(handler, call.from, call.request, call.trace);
}

/**
 * Transports and handlers whose every method goes through one function (the head of an
 * interceptor chain). Their methods are built once, on the prototypes, from the method list:
 * a simulation builds these per node, tens of thousands, and per-instance closures for eleven
 * methods were measured at several KiB a node.
 */
class ChainedTransport {
  constructor(readonly send: (call: OutgoingCall) => Promise<unknown>) {}
}
class ChainedHandler {
  constructor(readonly handle: (call: IncomingCall) => Promise<unknown>) {}
}
for (const method of PEER_METHODS) {
  const bare = WITHOUT_REQUEST.has(method);
  Object.defineProperty(ChainedTransport.prototype, method, {
    value: bare
      ? function (this: ChainedTransport, peer: Contact, o: CallOptions) {
          return this.send({ method, peer, request: undefined, ...o } as OutgoingCall);
        }
      : function (this: ChainedTransport, peer: Contact, request: unknown, o: CallOptions) {
          return this.send({ method, peer, request, ...o } as OutgoingCall);
        },
  });
  Object.defineProperty(ChainedHandler.prototype, handlerName(method), {
    value: bare
      ? function (this: ChainedHandler, from: Contact, trace?: SpanContext) {
          return this.handle((trace ? { method, from, request: undefined, trace } : { method, from, request: undefined }) as IncomingCall);
        }
      : function (this: ChainedHandler, from: Contact, request: unknown, trace?: SpanContext) {
          return this.handle((trace ? { method, from, request, trace } : { method, from, request }) as IncomingCall);
        },
  });
}

/**
 * A Transport whose every method goes through `send`. The answers' types are those of the
 * methods: `send` must answer what `sendCall` would.
 */
export function transportOf(send: (call: OutgoingCall) => Promise<unknown>): Transport {
  return new ChainedTransport(send) as unknown as Transport;
}

/** A PeerRpcHandler whose every method goes through `handle`. */
export function handlerOf(handle: (call: IncomingCall) => Promise<unknown>): PeerRpcHandler {
  return new ChainedHandler(handle) as unknown as PeerRpcHandler;
}

/**
 * A handler that serves nothing: every method fails with UNIMPLEMENTED. A plain object, for
 * fakes and partial peers to override method by method (`{ ...unimplementedHandler(), onPing: … }`).
 */
export function unimplementedHandler(): PeerRpcHandler {
  const refuse = (method: PeerMethod) => async () => {
    throw DhtError.unimplemented(`${PEER_METHOD_NAMES[method]} is not served by this peer`);
  };
  return Object.fromEntries(PEER_METHODS.map((m) => [handlerName(m), refuse(m)])) as unknown as PeerRpcHandler;
}

/** A transport that reaches nobody: every method fails with UNIMPLEMENTED. A plain object, for fakes to override. */
export function unimplementedTransport(): Transport {
  const refuse = (method: PeerMethod) => async () => {
    throw DhtError.unimplemented(`${PEER_METHOD_NAMES[method]} is not sent by this transport`);
  };
  return Object.fromEntries(PEER_METHODS.map((m) => [m, refuse(m)])) as unknown as Transport;
}
