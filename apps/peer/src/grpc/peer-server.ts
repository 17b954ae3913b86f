/**
 * The server side of PeerService: verifies the sender's signed contact and validates the
 * request before the handler sees it, so forged contacts never reach the routing table and
 * handlers only ever get well-formed input. Every method, the chunk streams included
 * (chunk-server.ts), ends in the node's handler.
 */
import { create } from "@bufbuild/protobuf";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import type { sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import {
  FetchRecordsResponseSchema,
  FindNodeResponseSchema,
  FindValueResponseSchema,
  GoodbyeResponseSchema,
  PeerService,
  PingResponseSchema,
  RecordSummarySchema,
  StoreResponseSchema,
  SyncDigestResponseSchema,
  SyncKeysResponseSchema,
  file_p2p_v1_peer,
} from "@p2p/proto/peer";
import type {
  FindNodeRequest,
  FindNodeResponse,
  FindValueRequest,
  FindValueResponse,
  PingRequest,
  PingResponse,
  SignedContact,
  StoreRequest,
  StoreResponse,
  FetchRecordsRequest,
  FetchRecordsResponse,
  GoodbyeRequest,
  GoodbyeResponse,
  SyncDigestRequest,
  SyncDigestResponse,
  SyncKeysRequest,
  SyncKeysResponse,
} from "@p2p/proto/peer";
import { MAX_CHUNK_SIZE, silentLogger, systemClock } from "@p2p/dht";
import type { Clock, Contact, Logger, PeerRpcHandler } from "@p2p/dht";
import type { PeerIdentity } from "../identity/peer-identity.js";
import { ContactVerifier, SelfContactSigner } from "../identity/signed-contact.js";
import { chunkServerMethods } from "./chunk-server.js";
import { checkKey, checkTarget, contactToPeerRef, recordFromProto, recordToProto, versionToProto } from "./message-codec.js";
import { asGrpcServiceDefinition, grpcServiceDefinition } from "./service-definition.js";
import { createReflectionService } from "./server-reflection.js";
import { grpcStatusFromError } from "../edge-errors.js";

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
  /** Default: silent. */
  log?: Logger;
  /** Default: the system clock. */
  clock?: Clock;
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

  const unary =
    <Req extends { sender?: SignedContact }, Res>(
      name: string,
      run: (from: Contact, req: Req) => Promise<Res> | Res,
    ): Unary<Req, Res> =>
    (call, callback) => {
      // The sender is verified before anything else: a rejected one never reaches the handler.
      Promise.resolve()
        .then(() => run(verifier.verify(call.request.sender, "sender"), call.request))
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
    findNode: unary<FindNodeRequest, FindNodeResponse>("FindNode", async (from, req) => {
      checkTarget(req.target);
      const contacts = await handler.onFindNode(from, req.target);
      return create(FindNodeResponseSchema, { sender: sender(), contacts: contacts.map(contactToPeerRef) });
    }),
    findValue: unary<FindValueRequest, FindValueResponse>("FindValue", async (from, req) => {
      checkKey(req.key);
      const result = await handler.onFindValue(from, req.key);
      return create(FindValueResponseSchema, {
        sender: sender(),
        record: result.record ? recordToProto(result.record) : undefined,
        contacts: result.contacts.map(contactToPeerRef),
      });
    }),
    store: unary<StoreRequest, StoreResponse>("Store", async (from, req) => {
      const record = recordFromProto(req.record, "record");
      const result = await handler.onStore(from, record);
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
    goodbye: unary<GoodbyeRequest, GoodbyeResponse>("Goodbye", async (from) => {
      await handler.onGoodbye(from);
      return create(GoodbyeResponseSchema, { sender: sender() });
    }),
  };

  const server = new Server({
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
  });
  const chunks = chunkServerMethods({ identity: opts.identity, getSelf: opts.getSelf, verifier, handler, maxChunkBytes: opts.maxChunkBytes ?? MAX_CHUNK_SIZE, log, ...(opts.clock ? { clock: opts.clock } : {}) });
  server.addService(asGrpcServiceDefinition(peerService), { ...(implementation as unknown as UntypedServiceImplementation), ...chunks });
  const health = new HealthImplementation({ "": "NOT_SERVING", [PEER_SERVICE_NAME]: "NOT_SERVING" });
  const setServing = (serving: boolean) => {
    const status = serving ? "SERVING" : "NOT_SERVING";
    health.setStatus("", status);
    health.setStatus(PEER_SERVICE_NAME, status);
  };
  health.addToServer(server);
  createReflectionService([file_p2p_v1_peer]).addToServer(server);

  const host = opts.host.includes(":") && !opts.host.startsWith("[") ? `[${opts.host}]` : opts.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${opts.port}`, ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
  });

  let closing: Promise<void> | undefined;
  return {
    port,
    setServing: (serving) => {
      if (!closing) setServing(serving);
    },
    close(graceMs = 5000) {
      closing ??= new Promise<void>((resolve) => {
        setServing(false);
        const force = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closing;
    },
  };
}
