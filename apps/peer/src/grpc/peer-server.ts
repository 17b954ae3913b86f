/**
 * The server side of PeerService: verifies the sender's signed contact and validates the
 * request before the handler sees it, so forged contacts never reach the routing table and
 * handlers only ever get well-formed input. Every method, the chunk streams included
 * (chunk-server.ts), ends in the node's handler.
 */
import { create } from "@bufbuild/protobuf";
import { Server } from "@grpc/grpc-js";
import type { Metadata, sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import { FetchRecordsResponseSchema, FindNodeResponseSchema, FindValueResponseSchema, GoodbyeResponseSchema, PeerService, PingResponseSchema, RecordSummarySchema, StoreResponseSchema, SyncDigestResponseSchema, SyncKeysResponseSchema, file_p2p_v1_peer } from "@p2p/proto/peer";
import type { FindNodeRequest, FindNodeResponse, FindValueRequest, FindValueResponse, PingRequest, PingResponse, SignedContact, StoreRequest, StoreResponse, FetchRecordsRequest, FetchRecordsResponse, GoodbyeRequest, GoodbyeResponse, SyncDigestRequest, SyncDigestResponse, SyncKeysRequest, SyncKeysResponse, StoreManyRequest, StoreManyResponse, FindValueManyRequest, FindValueManyResponse } from "@p2p/proto/peer";
import { MAX_CHUNK_SIZE, parseTraceparent, silentLogger, systemClock } from "@p2p/dht";
import type { Clock, Contact, Logger, PeerRpcHandler, SpanContext } from "@p2p/dht";
import type { PeerIdentity } from "../identity/peer-identity.js";
import { ContactVerifier, SelfContactSigner } from "../identity/signed-contact.js";
import { chunkServerMethods } from "./chunk-server.js";
import { findValueManyKeys, findValueManyResponse, storeManyRecords, storeManyResponse } from "./batch-codec.js";
import { checkKey, checkTarget, contactToPeerRef, recordFromProto, recordToProto, versionToProto } from "./message-codec.js";
import { asGrpcServiceDefinition, grpcServiceDefinition } from "./service-definition.js";
import { addLazyReflection } from "./lazy-reflection.js";
import { grpcStatusFromError } from "../edge-errors.js";
import { ConnectionGuard, type ConnectionLimitHit, type ConnectionLimits } from "../http/connection-guard.js";
import { listenForGrpc } from "./grpc-listener.js";
import { SenderVerifier } from "./sender-verifier.js";
import type { PeerTls } from "../tls/peer-tls.js";
import { peerRateLimitInterceptor, type PeerRateLimitOptions } from "./peer-rate-limit.js";

const peerService = grpcServiceDefinition(PeerService);
const PEER_SERVICE_NAME = PeerService.typeName;

export interface PeerGrpcServerOptions {
  /** Interface to bind, e.g. "127.0.0.1" or "0.0.0.0" (IPv6 literals without brackets are fine). */
  host: string;
  /** Port to bind; 0 lets the OS pick (read it from the result). */
  port: number;
  handler: PeerRpcHandler;
  identity: PeerIdentity;
  /** Our contact as advertised; called per response, re-signed only when it changes. */
  getSelf: () => Contact;
  /** Largest message received or sent, in bytes. Default 4 MiB. */
  maxMessageBytes?: number;
  /** Shared with the transport so each contact is verified once per process. Default: a new one. */
  verifier?: ContactVerifier;
  /** Largest chunk a StoreChunk may declare, bytes. Default MAX_CHUNK_SIZE (16 MiB). */
  maxChunkBytes?: number;
  /** Chunk transfers served at once, per direction. Default 32 (chunk-server.ts). */
  maxChunkTransfers?: number;
  /** A StoreChunk stream with no frame for this long is ended, ms. Default 10000 (chunk-server.ts). */
  chunkFrameTimeoutMs?: number;
  /**
   * TLS with peer certificates: every connection proves a peer ID and every request's sender
   * must be that peer. Undefined: plaintext (`--insecure`), where a sender is only its signed contact.
   */
  tls?: PeerTls;
  /** Default: silent. */
  log?: Logger;
  /** Default: the system clock. */
  clock?: Clock;
  /** Connection and stream limits (defaults in `defaultGrpcServerLimits`). */
  limits?: Partial<GrpcServerLimits>;
  /** Limits on connections before grpc-js sees them (defaults in `defaultGrpcConnectionLimits`). */
  connectionLimits?: Partial<ConnectionLimits>;
  /** A connection was refused or cut by one of those limits (for the metrics). */
  onConnectionLimit?: (hit: ConnectionLimitHit) => void;
  /** Per-remote-peer call rate limit on PeerService (peer-rate-limit.ts). Default: none. */
  rateLimit?: PeerRateLimitOptions;
}

/**
 * The gRPC port's connection limits: as the public port's, but a client may hold more
 * connections (every peer on one host, e.g. a loopback test network, comes from one address,
 * each with its RPC and chunk channels).
 */
export const defaultGrpcConnectionLimits: Partial<ConnectionLimits> = { maxConnectionsPerClient: 1024 };

/** What one connection to the gRPC port may hold, and how long an idle one lives. */
export interface GrpcServerLimits {
  /** Streams open at once on one connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS). Default 128. */
  maxConcurrentStreams: number;
  /** HTTP/2 session memory per connection, MiB, beyond which new streams are refused. Default 32. */
  maxSessionMemoryMiB: number;
  /** A connection with no stream open for this long is closed (GOAWAY; peers reconnect on demand), ms. Default 120000. */
  maxConnectionIdleMs: number;
  /** The server pings a connection quiet for this long and closes it when the ping is not answered in `keepaliveTimeoutMs`, ms. Default 60000. */
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
}

export const defaultGrpcServerLimits: GrpcServerLimits = {
  maxConcurrentStreams: 128,
  maxSessionMemoryMiB: 32,
  maxConnectionIdleMs: 120_000,
  keepaliveTimeMs: 60_000,
  keepaliveTimeoutMs: 20_000,
};

/** grpc-js channel options for the limits. */
export function grpcServerLimits(limits: Partial<GrpcServerLimits> = {}): Record<string, number> {
  const l = { ...defaultGrpcServerLimits, ...limits };
  return {
    "grpc.max_concurrent_streams": l.maxConcurrentStreams,
    "grpc-node.max_session_memory": l.maxSessionMemoryMiB,
    "grpc.max_connection_idle_ms": l.maxConnectionIdleMs,
    "grpc.keepalive_time_ms": l.keepaliveTimeMs,
    "grpc.keepalive_timeout_ms": l.keepaliveTimeoutMs,
  };
}

export interface PeerGrpcServer {
  /** The bound port (the OS's choice when 0 was asked). */
  port: number;
  /**
   * What grpc.health.v1 reports (Kubernetes readiness and liveness probes ask it): NOT_SERVING
   * from the start until the peer has joined (or tried to, the first peer alone), SERVING then,
   * NOT_SERVING again once it leaves.
   */
  setServing(serving: boolean): void;
  /**
   * Reports NOT_SERVING, stops accepting calls and waits up to `graceMs` (default 5000) for
   * calls in flight before cancelling them. Safe to call twice.
   */
  close(graceMs?: number): Promise<void>;
}

type Unary<Req, Res> = (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void;

/** Starts a grpc-js server with PeerService, grpc.health.v1 and server reflection. */
export async function startPeerGrpcServer(opts: PeerGrpcServerOptions): Promise<PeerGrpcServer> {
  const { handler } = opts;
  const log = opts.log ?? silentLogger;
  const verifier = opts.verifier ?? new ContactVerifier({ clock: opts.clock });
  const signer = new SelfContactSigner(opts.identity, opts.clock ?? systemClock);
  const maxMessageBytes = opts.maxMessageBytes ?? 4 * 1024 * 1024;
  const sender = () => signer.sign(opts.getSelf());
  const senders = new SenderVerifier(verifier, opts.tls !== undefined);

  const unary =
    <Req extends { sender?: SignedContact }, Res>(
      name: string,
      run: (from: Contact, req: Req, trace: SpanContext | undefined) => Promise<Res> | Res,
    ): Unary<Req, Res> =>
    (call, callback) => {
      // The sender is verified before anything else: a rejected one never reaches the handler.
      Promise.resolve()
        .then(() => run(senders.verify(call, call.request.sender, "sender"), call.request, traceOf(call.metadata)))
        .then(
          (res) => callback(null, res),
          (err: unknown) => callback(grpcStatusFromError(err, log, name)),
        );
    };

  const implementation = {
    ping: unary<PingRequest, PingResponse>("Ping", async (from) => {
      await handler.onPing(from);
      return create(PingResponseSchema, { sender: sender() });
    }),
    findNode: unary<FindNodeRequest, FindNodeResponse>("FindNode", async (from, req, trace) => {
      checkTarget(req.target);
      const contacts = await handler.onFindNode(from, req.target, trace);
      return create(FindNodeResponseSchema, { sender: sender(), contacts: contacts.map(contactToPeerRef) });
    }),
    findValue: unary<FindValueRequest, FindValueResponse>("FindValue", async (from, req, trace) => {
      checkKey(req.key);
      const result = await handler.onFindValue(from, req.key, trace);
      return create(FindValueResponseSchema, {
        sender: sender(),
        record: result.record ? recordToProto(result.record) : undefined,
        contacts: result.contacts.map(contactToPeerRef),
      });
    }),
    store: unary<StoreRequest, StoreResponse>("Store", async (from, req, trace) => {
      const record = recordFromProto(req.record, "record");
      const result = await handler.onStore(from, record, trace);
      return create(StoreResponseSchema, { sender: sender(), applied: result.applied, current: versionToProto(result.current) });
    }),
    // Anti-entropy and hand-off: the handler validates the contents (leaf indices, keys, sizes).
    syncDigest: unary<SyncDigestRequest, SyncDigestResponse>("SyncDigest", async (from, req) => {
      const result = await handler.onSyncDigest(from, { root: req.root, count: req.count });
      return create(SyncDigestResponseSchema, { sender: sender(), match: result.match, leaves: result.leaves, count: result.count });
    }),
    syncKeys: unary<SyncKeysRequest, SyncKeysResponse>("SyncKeys", async (from, req) => {
      const result = await handler.onSyncKeys(from, { leaves: req.leaves, after: req.after, limit: req.limit });
      return create(SyncKeysResponseSchema, {
        sender: sender(),
        entries: result.entries.map((e) => create(RecordSummarySchema, { key: e.key, version: versionToProto(e.version), tombstone: e.tombstone })),
        truncated: result.truncated,
      });
    }),
    fetchRecords: unary<FetchRecordsRequest, FetchRecordsResponse>("FetchRecords", async (from, req) => {
      req.keys.forEach((k, i) => checkKey(k, `keys[${i}]`));
      const records = await handler.onFetchRecords(from, req.keys);
      // Keep the answer under the message limit whatever the handler's budget.
      const out = [];
      let bytes = 0;
      for (const r of records) {
        bytes += r.value.byteLength + Buffer.byteLength(r.key) + 128;
        if (out.length > 0 && bytes > maxMessageBytes - 4096) break;
        out.push(recordToProto(r));
      }
      return create(FetchRecordsResponseSchema, { sender: sender(), records: out });
    }),
    storeMany: unary<StoreManyRequest, StoreManyResponse>("StoreMany", async (from, req) => storeManyResponse(sender(), await handler.onStoreMany(from, storeManyRecords(req)), log)),
    findValueMany: unary<FindValueManyRequest, FindValueManyResponse>("FindValueMany", async (from, req) =>
      findValueManyResponse(sender(), await handler.onFindValueMany(from, findValueManyKeys(req.keys)), maxMessageBytes, log),
    ),
    goodbye: unary<GoodbyeRequest, GoodbyeResponse>("Goodbye", async (from) => {
      await handler.onGoodbye(from);
      return create(GoodbyeResponseSchema, { sender: sender() });
    }),
  };

  const server = new Server({
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
    ...grpcServerLimits(opts.limits),
    interceptors: opts.rateLimit ? [peerRateLimitInterceptor(opts.rateLimit)] : [],
  });
  const chunks = chunkServerMethods({
    identity: opts.identity,
    getSelf: opts.getSelf,
    senders,
    handler,
    maxChunkBytes: opts.maxChunkBytes ?? MAX_CHUNK_SIZE,
    log,
    ...(opts.maxChunkTransfers !== undefined ? { maxConcurrent: opts.maxChunkTransfers } : {}),
    ...(opts.chunkFrameTimeoutMs !== undefined ? { frameTimeoutMs: opts.chunkFrameTimeoutMs } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  server.addService(asGrpcServiceDefinition(peerService), { ...(implementation as unknown as UntypedServiceImplementation), ...chunks });
  const health = new HealthImplementation({ "": "NOT_SERVING", [PEER_SERVICE_NAME]: "NOT_SERVING" });
  const setServing = (serving: boolean) => {
    const status = serving ? "SERVING" : "NOT_SERVING";
    health.setStatus("", status);
    health.setStatus(PEER_SERVICE_NAME, status);
  };
  health.addToServer(server);
  addLazyReflection(server, [file_p2p_v1_peer]);

  const guard = new ConnectionGuard({ ...defaultGrpcConnectionLimits, ...opts.connectionLimits }, opts.onConnectionLimit);
  const listener = await listenForGrpc(server, opts.host, opts.port, guard, opts.tls);
  const port = listener.port;

  let closing: Promise<void> | undefined;
  return {
    port,
    setServing: (serving) => {
      if (!closing) setServing(serving);
    },
    close(graceMs = 5000) {
      closing ??= new Promise<void>((resolve) => {
        setServing(false);
        listener.stopAccepting();
        const force = setTimeout(() => {
          listener.destroy();
          server.forceShutdown();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closing;
    },
  };
}

/** The caller's span when the call carries a sampled trace (a malformed traceparent is ignored). */
function traceOf(metadata: Metadata): SpanContext | undefined {
  const value = metadata.get("traceparent")[0];
  const trace = typeof value === "string" ? parseTraceparent(value) : undefined;
  return trace?.sampled ? trace : undefined;
}
