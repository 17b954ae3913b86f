/**
 * Owned records against real peer processes: curl-style REST (POST /owned, GET /owned/<key>),
 * Connect (PutOwned, GetOwned, the OwnedConflict error detail), a forged Store sent straight
 * to every replica over PeerService, the signed-only write policy, and keys held by a peer.
 */
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { Client, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { peerClientCredentials } from "./index.js";
import { adminClient, nodeClient, startNetwork, type Network, type NodeClient, type PeerProcess } from "@p2p/launcher";
import { OwnedConflictSchema } from "@p2p/proto/node";
import { PeerService, StoreRequestSchema } from "@p2p/proto/peer";
import { encodeOwnedEnvelope, generateOwnerKey, ownedRecord, parseOwnerKey, signOwned, type OwnedEnvelope } from "@p2p/dht";
import { PeerIdentity } from "./identity/peer-identity.js";
import { signContact } from "./identity/signed-contact.js";
import { grpcServiceDefinition } from "./grpc/service-definition.js";

const text = (s: string) => new TextEncoder().encode(s);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const owner = parseOwnerKey(generateOwnerKey().privateKeyPem);
const sign = (salt: string, seq: number, value: string) => signOwned(owner, { salt: text(salt), seq, value: text(value) });
const body = (e: OwnedEnvelope, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ public_key: hex(e.publicKey), salt: new TextDecoder().decode(e.salt), seq: e.seq, signature: hex(e.signature), value: new TextDecoder().decode(e.value), ...extra });

async function http(peer: PeerProcess, method: string, path: string, json?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://${peer.httpAddress}${path}`, { method, headers: json ? { "content-type": "application/json" } : {}, body: json, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("owned records on a 3-peer network", () => {
  let net: Network;
  let peer: PeerProcess;
  let client: NodeClient;

  before(async () => {
    net = await startNetwork(3, { peer: { args: ["--rpc-timeout-ms", "1000"] } });
    peer = net.peers[1]!;
    client = nodeClient(peer.httpAddress!);
  });
  after(async () => {
    await net?.stop();
  });

  test("REST, as curl uses it: put, get, a higher seq, a lower seq and a CAS refused with the current seq, a bad signature refused", async () => {
    const pk = hex(sign("", 0, "").publicKey);
    assert.equal((await http(peer, "GET", `/owned/${pk}?salt=rest`)).status, 404);
    const put = await http(peer, "POST", "/owned", body(sign("rest", 1, "one")));
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body["seq"], 1);
    assert.match(String(put.body["key"]), /^owned\/[0-9a-f]{64}$/);
    const got = await http(net.peers[2]!, "GET", `/owned/${pk}?salt=rest`);
    assert.deepEqual([got.status, got.body["value"], got.body["seq"], got.body["verified"]], [200, "one", 1, true]);
    assert.equal((await http(peer, "POST", "/owned", body(sign("rest", 2, "two")))).status, 200);
    const lower = await http(peer, "POST", "/owned", body(sign("rest", 1, "again")));
    assert.deepEqual([lower.status, lower.body["code"], lower.body["current_seq"]], [409, "aborted", 2], JSON.stringify(lower.body));
    assert.match(String(lower.body["error"]), /below the current seq 2/);
    const cas = await http(peer, "POST", "/owned", body(sign("rest", 3, "three"), { cas: 1 }));
    assert.deepEqual([cas.status, cas.body["current_seq"]], [409, 2], JSON.stringify(cas.body));
    assert.equal((await http(peer, "POST", "/owned", body(sign("rest", 3, "three"), { cas: 2 }))).status, 200);
    const forged = await http(peer, "POST", "/owned", body({ ...sign("rest", 9, "x"), value: text("y") }));
    assert.deepEqual([forged.status, forged.body["code"]], [400, "invalid_argument"]);
    assert.match(String(forged.body["error"]), /^signature: does not verify/);
    const missing = await http(peer, "POST", "/owned", JSON.stringify({ public_key: pk, seq: 1, value: "v" }));
    assert.match(String(missing.body["error"]), /^signature: is required/);
    assert.equal((await http(peer, "GET", `/owned/${pk}?salt=rest`)).body["value"], "three");
  });

  test("Connect: PutOwned, GetOwned, and the conflict's current seq as an OwnedConflict detail", async () => {
    const e = sign("connect", 5, "five");
    await client.putOwned({ publicKey: hex(e.publicKey), salt: "connect", seq: 5n, signature: hex(e.signature), value: "five" });
    const got = await nodeClient(net.peers[0]!.httpAddress!).getOwned({ publicKey: hex(e.publicKey), salt: "connect" });
    assert.deepEqual([got.value, got.seq, got.signature], ["five", 5n, hex(e.signature)]);
    const byKey = await client.getOwned({ key: got.key });
    assert.deepEqual([byKey.publicKey, byKey.salt, byKey.seq], [hex(e.publicKey), "connect", 5n]);
    const old = sign("connect", 4, "four");
    await assert.rejects(client.putOwned({ publicKey: hex(old.publicKey), salt: "connect", seq: 4n, signature: hex(old.signature), value: "four" }), (err: unknown) => {
      const c = ConnectError.from(err);
      assert.equal(c.code, Code.Aborted, c.rawMessage);
      assert.equal(c.findDetails(OwnedConflictSchema)[0]?.currentSeq, 5n);
      return true;
    });
  });

  test("a forged Store sent straight to each replica over PeerService is refused", async () => {
    const peerService = grpcServiceDefinition(PeerService);
    const good = sign("pierce", 7, "real");
    const forged = { ...good, value: text("forged") };
    const record = ownedRecord(forged, encodeOwnedEnvelope(forged));
    const mallory = PeerIdentity.generate();
    const sender = signContact(mallory, { id: mallory.id, address: "127.0.0.1:9", httpAddress: "" }, Date.now());
    const req = create(StoreRequestSchema, { sender, record: { key: record.key, value: record.value, version: { wallTimeMs: BigInt(record.version.wallMs), logical: 0, writer: record.version.writer }, tombstone: false } });
    for (const p of net.peers) {
      const err = await new Promise<ServiceError | null>((resolve) => {
        const grpc = new Client(p.grpcAddress!, peerClientCredentials({ identity: mallory })); // mallory is a peer of her own (TLS)
        grpc.makeUnaryRequest(peerService.store.path, peerService.store.requestSerialize, (b: Buffer) => b, req, new Metadata(), { deadline: Date.now() + 5000 }, (e) => {
          grpc.close();
          resolve(e);
        });
      });
      assert.ok(err, `${p.httpAddress} accepted a forged record`);
      assert.equal(err.code, status.INVALID_ARGUMENT, err.details);
      assert.match(err.details, /signature: does not verify/);
    }
    assert.equal((await http(peer, "GET", `/owned/${hex(good.publicKey)}?salt=pierce`)).status, 404);
  });

  test("keys held by a peer: created over AdminService, used to sign, never answered", async () => {
    const admin = adminClient(peer.httpAddress!);
    const made = await admin.createOwnerKey({ name: "site" });
    assert.equal(made.created, true);
    assert.match(made.publicKey, /^[0-9a-f]{64}$/);
    assert.equal((await admin.createOwnerKey({ name: "site" })).publicKey, made.publicKey);
    assert.equal(statSync(join(net.dir, "peer-1", "owner-keys", "site.key")).mode & 0o777, 0o600);
    const first = await admin.putOwnedWithPeerKey({ keyName: "site", salt: "home", value: "v0" });
    assert.equal(first.result?.seq, 0n);
    const next = await admin.putOwnedWithPeerKey({ keyName: "site", salt: "home", value: "v1" });
    assert.equal(next.result?.seq, 1n);
    const got = await http(net.peers[0]!, "GET", `/owned/${made.publicKey}?salt=home`);
    assert.deepEqual([got.body["value"], got.body["seq"]], ["v1", 1]);
    assert.ok(!JSON.stringify(made).includes("PRIVATE"), "no private key in the answer");
    await assert.rejects(admin.putOwnedWithPeerKey({ keyName: "nope", salt: "", value: "v" }), (e: unknown) => ConnectError.from(e).code === Code.NotFound);
  });

  test("signed-only: a plain put or delete is refused with a clear error, owned records still work", async () => {
    const strict = await net.add({ args: ["--rpc-timeout-ms", "1000", "--write-policy", "signed-only"] });
    assert.equal((await nodeClient(strict.httpAddress!).info({})).writePolicy, "signed-only");
    const plain = await http(strict, "POST", "/store_data", JSON.stringify({ key: "k", value: "v" }));
    assert.deepEqual([plain.status, plain.body["code"]], [403, "permission_denied"]);
    assert.match(String(plain.body["error"]), /signed-only/);
    await assert.rejects(nodeClient(strict.httpAddress!).delete({ key: "k" }), (e: unknown) => ConnectError.from(e).code === Code.PermissionDenied);
    assert.equal((await http(strict, "POST", "/owned", body(sign("strict", 1, "ok")))).status, 200);
  });
});
