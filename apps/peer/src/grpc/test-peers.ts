/**
 * Test support: real PeerService servers on 127.0.0.1 with an ephemeral port, and a
 * recording handler. Not used by production code.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { DhtError } from "@p2p/dht";
import type {
  ChunkStoreResult,
  CommitResult,
  ReleaseResult,
  StoreManyOutcome,
  FindValueManyOutcome,
  Contact,
  DhtRecord,
  FindValueResult,
  NodeId,
  PeerRpcHandler,
  StoreResult,
  SyncDigestResult,
  SyncKeysResult,
} from "@p2p/dht";
import { PeerIdentity } from "../identity/peer-identity.js";
import { ContactVerifier } from "../identity/signed-contact.js";
import { GrpcTransport } from "./grpc-transport.js";
import { PeerTls } from "../tls/peer-tls.js";
import type { GrpcTransportOptions } from "./grpc-transport.js";
import { startPeerGrpcServer } from "./peer-server.js";
import type { PeerGrpcServer, PeerGrpcServerOptions } from "./peer-server.js";

/** A handler backed by a Map that records every call it gets; anti-entropy and chunk calls are not served. */
export class RecordingHandler implements PeerRpcHandler {
  readonly calls: { method: string; from: Contact }[] = [];
  readonly records = new Map<string, DhtRecord>();
  contacts: Contact[] = [];

  async onPing(from: Contact): Promise<void> {
    this.calls.push({ method: "ping", from });
  }
  async onFindNode(from: Contact, _target: NodeId): Promise<Contact[]> {
    this.calls.push({ method: "findNode", from });
    return this.contacts;
  }
  async onFindValue(from: Contact, key: string): Promise<FindValueResult> {
    this.calls.push({ method: "findValue", from });
    return { record: this.records.get(key), contacts: this.contacts };
  }
  async onStore(from: Contact, record: DhtRecord): Promise<StoreResult> {
    this.calls.push({ method: "store", from });
    if (record.key === "forbidden") throw new ConnectError("store refused: key is forbidden", Code.PermissionDenied);
    if (record.key === "crash") throw new Error("secret internal detail");
    this.records.set(record.key, record);
    return { applied: true, current: record.version };
  }
  onSyncDigest(): Promise<SyncDigestResult> {
    return notServed("SyncDigest");
  }
  onSyncKeys(): Promise<SyncKeysResult> {
    return notServed("SyncKeys");
  }
  onFetchRecords(): Promise<DhtRecord[]> {
    return notServed("FetchRecords");
  }
  onGoodbye(): Promise<void> {
    return notServed("Goodbye");
  }
  onFetchChunk(): Promise<Uint8Array> {
    return notServed("FetchChunk");
  }
  onStoreChunk(): Promise<ChunkStoreResult> {
    return notServed("StoreChunk");
  }
  onCommitChunks(): Promise<CommitResult> {
    return notServed("CommitChunks");
  }
  onReleaseChunks(): Promise<ReleaseResult> {
    return notServed("ReleaseChunks");
  }

  onStoreMany(): Promise<StoreManyOutcome[]> {
    return notServed("StoreMany");
  }

  onFindValueMany(): Promise<FindValueManyOutcome[]> {
    return notServed("FindValueMany");
  }
}

function notServed(method: string): Promise<never> {
  return Promise.reject(DhtError.unimplemented(`${method} is not served by this test peer`));
}

export interface TestPeer {
  identity: PeerIdentity;
  contact: Contact;
  server: PeerGrpcServer;
  handler: PeerRpcHandler;
}

/** Starts a server on 127.0.0.1:0; the caller must close it (`await peer.server.close(0)`). */
export async function startTestPeer(
  handler: PeerRpcHandler,
  extra: Partial<PeerGrpcServerOptions> = {},
): Promise<TestPeer> {
  const identity = extra.identity ?? PeerIdentity.generate();
  const contact: Contact = { id: identity.id, address: "", httpAddress: "" };
  const server = await startPeerGrpcServer({
    host: "127.0.0.1",
    port: 0,
    handler,
    identity,
    getSelf: () => contact,
    ...extra,
  });
  contact.address = `127.0.0.1:${server.port}`;
  return { identity, contact, server, handler };
}

/**
 * A client-side transport with its own identity (advertising an unused address); `secure`:
 * TLS with a peer certificate of that identity, as real peers (not started with --insecure) expect.
 */
export function testTransport(extra: Partial<GrpcTransportOptions> & { secure?: boolean } = {}): { transport: GrpcTransport; self: Contact } {
  const { secure, ...rest } = extra;
  const identity = rest.identity ?? PeerIdentity.generate();
  if (secure) rest.tls ??= new PeerTls({ identity });
  const self: Contact = { id: identity.id, address: "127.0.0.1:1", httpAddress: "127.0.0.1:2" };
  const transport = new GrpcTransport({ identity, self, verifier: new ContactVerifier(), ...rest });
  return { transport, self };
}
