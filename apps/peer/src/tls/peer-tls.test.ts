import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, X509Certificate } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { GoodbyeRequestSchema, PeerService } from "@p2p/proto/peer";
import { PeerIdentity } from "../identity/peer-identity.js";
import { signContact } from "../identity/signed-contact.js";
import { RecordingHandler, startTestPeer, testTransport } from "../grpc/test-peers.js";
import type { TestPeer } from "../grpc/test-peers.js";
import { ChannelPool } from "../grpc/channel-pool.js";
import { grpcServiceDefinition } from "../grpc/service-definition.js";
import { createPeerCertificate, readPeerCertificate } from "./peer-certificate.js";
import { NetworkKey } from "./network-key.js";
import { PeerChannelCredentials } from "./peer-channel-credentials.js";
import { PeerTls, type TlsRefusalKind } from "./peer-tls.js";

const peerService = grpcServiceDefinition(PeerService);

function der(pem: string): Buffer {
  return new X509Certificate(pem).raw;
}

test("a peer certificate proves its peer ID and carries a membership only when given one", () => {
  const identity = PeerIdentity.generate();
  const open = readPeerCertificate(der(createPeerCertificate(identity)));
  assert.ok(typeof open !== "string");
  assert.equal(open.id, identity.id);
  assert.equal(open.membership, undefined);
  const key = new NetworkKey(randomBytes(32));
  const member = readPeerCertificate(der(createPeerCertificate(identity, key.membershipOf(identity.publicKey))));
  assert.ok(typeof member !== "string");
  assert.ok(key.admits(identity.publicKey, member.membership));
  // Another member's proof is bound to its key: useless under ours.
  assert.equal(key.admits(PeerIdentity.generate().publicKey, member.membership), false);
  assert.equal(new NetworkKey(randomBytes(32)).admits(identity.publicKey, member.membership), false);
});

test("every certificate is valid DER that OpenSSL loads (a serial with a redundant leading zero byte stopped 1 peer in 75 from starting)", () => {
  for (let i = 0; i < 1000; i++) {
    const identity = PeerIdentity.generate();
    const tls = new PeerTls({ identity }); // builds its secure context from the certificate: throws on bad DER
    assert.ok(tls.secureContext);
  }
});

test("a certificate whose subject is not its key's peer ID, or not Ed25519, proves nothing", () => {
  const identity = PeerIdentity.generate();
  const pem = createPeerCertificate(identity);
  const raw = Buffer.from(der(pem));
  // Swap the CN for another peer's ID: the self-signature no longer matches either.
  const other = Buffer.from(PeerIdentity.generate().id);
  const at = raw.indexOf(Buffer.from(identity.id));
  other.copy(raw, at);
  other.copy(raw, raw.indexOf(Buffer.from(identity.id)));
  assert.equal(typeof readPeerCertificate(raw), "string");
  assert.equal(readPeerCertificate(randomBytes(300)), "certificate is not valid X.509");
});

interface Pair {
  server: TestPeer;
  handler: RecordingHandler;
  refused: { kind: TlsRefusalKind; side: string }[];
  close(): Promise<void>;
}

async function tlsPeer(networkKey?: NetworkKey, refused: Pair["refused"] = []): Promise<Pair> {
  const identity = PeerIdentity.generate();
  const handler = new RecordingHandler();
  const tls = new PeerTls({ identity, ...(networkKey ? { networkKey } : {}), onRefused: (kind, side) => refused.push({ kind, side }) });
  const server = await startTestPeer(handler, { identity, tls });
  return { server, handler, refused, close: () => server.server.close(0) };
}

function tlsClient(networkKey?: NetworkKey, refused: Pair["refused"] = []) {
  const identity = PeerIdentity.generate();
  const tls = new PeerTls({ identity, ...(networkKey ? { networkKey } : {}), onRefused: (kind, side) => refused.push({ kind, side }) });
  return { ...testTransport({ identity, tls }), refused };
}

test("over TLS, calls reach the peer dialled and its handler sees the proven sender", async () => {
  const peer = await tlsPeer();
  const { transport, self } = tlsClient();
  try {
    await transport.ping(peer.server.contact, { timeoutMs: 5000 });
    const found = await transport.probe(peer.server.contact.address, { timeoutMs: 5000 });
    assert.equal(found.id, peer.server.contact.id);
    assert.deepEqual(peer.handler.calls.map((c) => c.from.id), [self.id, self.id]);
  } finally {
    transport.close();
    await peer.close();
  }
});

test("over TLS, a client expecting another peer ID at that address refuses the connection", async () => {
  const peer = await tlsPeer();
  const { transport, refused } = tlsClient();
  try {
    const wrong = { ...peer.server.contact, id: PeerIdentity.generate().id };
    await assert.rejects(transport.ping(wrong, { timeoutMs: 5000 }), (err: Error & { code?: string }) => {
      assert.equal(err.code, "unavailable");
      assert.match(err.message, /not [0-9a-f]{64}/);
      return true;
    });
    assert.deepEqual(refused, [{ kind: "wrong_peer", side: "client" }]);
    assert.equal(peer.handler.calls.length, 0);
  } finally {
    transport.close();
    await peer.close();
  }
});

test("a plaintext client cannot reach a TLS peer", async () => {
  const peer = await tlsPeer();
  const plain = testTransport();
  try {
    await assert.rejects(plain.transport.ping(peer.server.contact, { timeoutMs: 3000 }));
    assert.equal(peer.handler.calls.length, 0);
  } finally {
    plain.transport.close();
    await peer.close();
  }
});

test("a replayed signed contact is refused: the sender must be the peer the connection proved", async () => {
  const victim = PeerIdentity.generate();
  const peer = await tlsPeer();
  // The attacker is a valid TLS peer of its own, replaying the victim's signed contact (as seen in a Ping reply).
  const attacker = new PeerTls({ identity: PeerIdentity.generate() });
  const pool = new ChannelPool(4, {}, (id) => new PeerChannelCredentials(attacker, id));
  const replayed = signContact(victim, { id: victim.id, address: "127.0.0.1:9", httpAddress: "127.0.0.1:10" }, Date.now());
  try {
    const lease = pool.acquire(peer.server.contact.address, peer.server.contact.id);
    const err = await new Promise<{ code: number; details: string } | null>((resolve) =>
      lease.client.makeUnaryRequest(
        peerService.goodbye.path,
        peerService.goodbye.requestSerialize,
        peerService.goodbye.responseDeserialize,
        create(GoodbyeRequestSchema, { sender: replayed }),
        { deadline: Date.now() + 5000 },
        (e) => resolve(e as never),
      ),
    );
    lease.release();
    assert.ok(err, "the replayed Goodbye must fail");
    assert.equal(err.code, 16); // UNAUTHENTICATED
    assert.match(err.details, /is not the peer this connection authenticated/);
    assert.equal(peer.handler.calls.length, 0, "the handler never saw the replayed sender");
  } finally {
    pool.close();
    await peer.close();
  }
});

test("a private network admits its members and refuses others, with the reason on both sides", async () => {
  const key = new NetworkKey(randomBytes(32));
  const serverRefused: Pair["refused"] = [];
  const peer = await tlsPeer(key, serverRefused);
  const member = tlsClient(key);
  const outsider = tlsClient();
  const foreign = tlsClient(new NetworkKey(randomBytes(32)));
  try {
    await member.transport.ping(peer.server.contact, { timeoutMs: 5000 });
    await assert.rejects(outsider.transport.ping(peer.server.contact, { timeoutMs: 5000 }), /belongs to private network [0-9a-f]{16}; this peer has no --network-key/);
    await assert.rejects(foreign.transport.ping(peer.server.contact, { timeoutMs: 5000 }), /is not a member of private network [0-9a-f]{16} \(it belongs to network/);
    assert.deepEqual(outsider.refused, [{ kind: "foreign_network", side: "client" }]);
    for (let i = 0; i < 100 && serverRefused.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      serverRefused.map((r) => r.kind).sort(),
      ["foreign_network", "not_member"],
      "the server refused the outsider (no key) and the foreign member (another network)",
    );
    assert.equal(peer.handler.calls.length, 1, "only the member's ping reached the handler");
  } finally {
    for (const c of [member, outsider, foreign]) c.transport.close();
    await peer.close();
  }
});
