// Writer proofs between real peers: a Store of a value or a tombstone "written by" another peer
// is refused by every replica, whatever the forger signs it with, and the real value stays.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Client, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { nodeClient, startNetwork, type Network } from "@p2p/launcher";
import { PeerService, StoreRequestSchema } from "@p2p/proto/peer";
import { ed25519WriterProofs } from "@p2p/dht";
import { grpcServiceDefinition } from "./grpc/service-definition.js";
import { PeerIdentity, peerClientCredentials, signContact } from "./index.js";

const peerService = grpcServiceDefinition(PeerService);

describe("writer proofs on 3 real peers", () => {
  let net: Network;
  before(async () => {
    net = await startNetwork(3, { peer: { args: ["--log-level", "warn"] } });
  });
  after(() => net?.stop());

  test("a forged Store and a forged tombstone with a foreign writer are refused by every replica", async () => {
    const [a] = net.peers;
    const client = nodeClient(a!.httpAddress!);
    const put = await client.put({ key: "owned-by-a", value: "real" });
    const writer = put.version!.writer;
    // Mallory is a peer of her own (TLS proves her ID); she signs what she can: her own key.
    const mallory = PeerIdentity.generate();
    const sender = signContact(mallory, { id: mallory.id, address: "127.0.0.1:9", httpAddress: "" }, Date.now());
    const malloryProofs = ed25519WriterProofs(mallory);
    const version = { wallMs: Date.now() + 200, logical: 0, writer: mallory.id };
    const signedByMallory = (tombstone: boolean) => malloryProofs.sign({ key: "owned-by-a", value: tombstone ? new Uint8Array(0) : new TextEncoder().encode("forged"), version, tombstone });
    const attempts = [
      { what: "a value, unsigned", record: { version: { ...version, writer }, tombstone: false, value: "forged" }, proof: undefined, expect: /proof: missing/ },
      { what: "a value, signed by mallory", record: { version: { ...version, writer }, tombstone: false, value: "forged" }, proof: signedByMallory(false).proof, expect: /proof: publicKey: is not the key of version\.writer/ },
      { what: "a tombstone, signed by mallory", record: { version: { ...version, writer }, tombstone: true, value: "" }, proof: signedByMallory(true).proof, expect: /proof: publicKey: is not the key of version\.writer/ },
    ];
    for (const peer of net.peers) {
      const grpc = new Client(peer.grpcAddress!, peerClientCredentials({ identity: mallory, expectedId: peer.id! }));
      try {
        for (const { what, record, proof, expect } of attempts) {
          const req = create(StoreRequestSchema, {
            sender,
            record: {
              key: "owned-by-a",
              value: new TextEncoder().encode(record.value),
              version: { wallTimeMs: BigInt(record.version.wallMs), logical: 0, writer: record.version.writer },
              tombstone: record.tombstone,
              ...(proof ? { writerPublicKey: proof.publicKey, writerSignature: proof.signature } : {}),
            },
          });
          const err = await new Promise<ServiceError | null>((resolve) =>
            grpc.makeUnaryRequest(peerService.store.path, peerService.store.requestSerialize, (b: Buffer) => b, req, new Metadata(), { deadline: Date.now() + 5000 }, (e) => resolve(e)),
          );
          assert.ok(err, `${peer.httpAddress} accepted ${what}`);
          assert.equal(err.code, status.INVALID_ARGUMENT, `${what}: ${err.details}`);
          assert.match(err.details, expect, what);
        }
      } finally {
        grpc.close();
      }
    }
    for (const peer of net.peers) assert.equal((await nodeClient(peer.httpAddress!).get({ key: "owned-by-a" })).value, "real");
  });

  test("honest writes, deletes and repair carry their proofs: a delete through another peer holds everywhere", async () => {
    const [a, b, c] = net.peers;
    await nodeClient(a!.httpAddress!).put({ key: "deleted-later", value: "x" });
    await nodeClient(b!.httpAddress!).delete({ key: "deleted-later" });
    await assert.rejects(nodeClient(c!.httpAddress!).get({ key: "deleted-later" }), /not found|not_found/i);
  });
});
