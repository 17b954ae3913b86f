// Authenticated peer channels between real peer processes: a signed contact replayed in
// Goodbye evicts nobody, a peer without the network key cannot join a private network (and
// both sides log why), and Info tells TLS from --insecure.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Client, Metadata, type ServiceError } from "@grpc/grpc-js";
import { GoodbyeRequestSchema, PeerService, PingRequestSchema, type PingResponse } from "@p2p/proto/peer";
import { nodeClient, startNetwork, startPeer, type Network, type PeerProcess } from "@p2p/launcher";
import { grpcServiceDefinition } from "./grpc/service-definition.js";
import { PeerIdentity, peerClientCredentials, signContact } from "./index.js";

const peerService = grpcServiceDefinition(PeerService);

function unary<Req, Res>(client: Client, method: { path: string; requestSerialize: (r: Req) => Buffer; responseDeserialize: (b: Buffer) => Res }, req: Req): Promise<Res> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, req, new Metadata(), { deadline: Date.now() + 5000 }, (err, res) =>
      err ? reject(err) : resolve(res!),
    ),
  );
}

const tableIds = async (p: PeerProcess) => (await nodeClient(p.httpAddress!).routingTable({})).buckets.flatMap((b) => b.contacts.map((c) => c.peer!.id));

describe("an open network over TLS", () => {
  let net: Network;
  before(async () => {
    net = await startNetwork(3, { peer: { args: ["--log-level", "warn"] } });
  });
  after(() => net?.stop());

  test("Info says the peer talks TLS on an open network", async () => {
    const info = await nodeClient(net.peers[0]!.httpAddress!).info({});
    assert.equal(info.peerTransport, "tls");
    assert.equal(info.networkTag, "");
  });

  test("a contact from a Ping reply, replayed in Goodbye, evicts nobody", async () => {
    const [a, b] = [net.peers[0]!, net.peers[1]!];
    for (let i = 0; i < 50 && !(await tableIds(a)).includes(b.id!); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok((await tableIds(a)).includes(b.id!), "b starts in a's routing table");
    // The attacker is a peer of its own (TLS proves its ID); it learns b's signed contact from a Ping.
    const attacker = PeerIdentity.generate();
    const self = signContact(attacker, { id: attacker.id, address: "127.0.0.1:9", httpAddress: "127.0.0.1:10" }, Date.now());
    const toB = new Client(b.grpcAddress!, peerClientCredentials({ identity: attacker, expectedId: b.id! }));
    const toA = new Client(a.grpcAddress!, peerClientCredentials({ identity: attacker, expectedId: a.id! }));
    try {
      const pong: PingResponse = await unary(toB, peerService.ping, create(PingRequestSchema, { sender: self }));
      assert.equal(pong.sender?.id, b.id);
      await assert.rejects(unary(toA, peerService.goodbye, create(GoodbyeRequestSchema, { sender: pong.sender! })), (err: ServiceError) => {
        assert.equal(err.code, 16, err.details); // UNAUTHENTICATED
        assert.match(err.details, /not the peer this connection authenticated/);
        return true;
      });
      assert.ok((await tableIds(a)).includes(b.id!), "b is still in a's routing table");
    } finally {
      toA.close();
      toB.close();
    }
  });
});

describe("a private network (--network-key)", () => {
  let dir: string;
  let net: Network;
  let outsider: PeerProcess | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "p2p-netkey-"));
    const keyFile = join(dir, "network.key");
    await writeFile(keyFile, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
    net = await startNetwork(2, { peer: { args: ["--log-level", "info", "--network-key", keyFile] } });
  });
  after(async () => {
    await outsider?.stop(2000);
    await net?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("members join each other; a peer without the key is refused, and both sides log why", { timeout: 60_000 }, async () => {
    const [a, b] = [net.peers[0]!, net.peers[1]!];
    const info = await nodeClient(a.httpAddress!).info({});
    assert.match(info.networkTag, /^[0-9a-f]{16}$/);
    for (let i = 0; i < 50 && !(await tableIds(a)).includes(b.id!); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok((await tableIds(a)).includes(b.id!), "the members know each other");

    outsider = startPeer({ dataDir: join(dir, "outsider"), bootstrap: [a.grpcAddress!], args: ["--log-level", "info"] });
    await outsider.ready.catch(() => {});
    const refusedByOutsider = () => outsider!.logs().some((l) => l.includes(`belongs to private network ${info.networkTag}; this peer has no --network-key`));
    const refusedByMember = () => a.logs().some((l) => l.includes(`is not a member of private network ${info.networkTag} (it has no network key)`));
    for (let i = 0; i < 100 && !(refusedByOutsider() && refusedByMember()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(refusedByOutsider(), `the outsider says why:\n${outsider.logs(20).join("\n")}`);
    assert.ok(refusedByMember(), `the member says why:\n${a.logs(20).join("\n")}`);
    if (outsider.id) assert.ok(!(await tableIds(a)).includes(outsider.id), "the outsider is not in a member's routing table");
    const metrics = await (await fetch(`http://${a.httpAddress}/metrics`)).text();
    assert.match(metrics, /p2p_tls_refused_total\{reason="not_member",side="server"\} [1-9]/);
  });
});
