/**
 * A Sybil burst against a real peer on a test host: one machine (the observer) mints 15 peer
 * identities, three in each of five buckets of the victim's table, all at its one address, and
 * each says hello over TLS (a Ping, which makes the victim learn its sender). The test hosts use
 * a documentation /24 (203.0.113.0/24), which the routing table treats as public (a private
 * range, like the default test subnet, is exempt by design). The victim keeps at most 2 per
 * bucket and 8 in all from that /24, counts the rest as refused, and keeps serving.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { Client, Metadata } from "@grpc/grpc-js";
import { bucketIndex } from "@p2p/dht";
import { nodeClient } from "@p2p/launcher";
import { createTestHosts, namespacesUnavailable, type TestHosts } from "@p2p/netns";
import { PeerIdentity, peerClientCredentials, signContact } from "@p2p/peer";
import { PeerService, PingRequestSchema } from "@p2p/proto/peer";
import { HostPeers } from "./host-peers.js";

const skip = await namespacesUnavailable();
if (skip) console.log(`# Sybil test skipped: ${skip}`);

const PING = `/${PeerService.typeName}/Ping`;

describe("a Sybil burst from one /24", { skip }, () => {
  let hosts: TestHosts;
  let peers: HostPeers;

  before(async () => {
    hosts = await createTestHosts({ count: 1, prefix: "203.0.113" });
    peers = await HostPeers.start(hosts, { args: ["--log-level", "warn"] });
  });
  after(async () => {
    await peers?.stop();
    await hosts?.destroy();
  });

  test("15 identities at one address: at most 2 per bucket and 8 in the table are kept", { timeout: 60_000 }, async () => {
    const victim = peers.peer("h1");
    const victimId = victim.id!;
    // Three identities in each of buckets 0…4 of the victim's table (minted until they fall there).
    const sybils: PeerIdentity[] = [];
    for (let bucket = 0; bucket < 5; bucket++) {
      let found = 0;
      while (found < 3) {
        const identity = PeerIdentity.generate();
        if (bucketIndex(victimId, identity.id) === bucket) {
          sybils.push(identity);
          found++;
        }
      }
    }
    for (const [i, identity] of sybils.entries()) {
      const contact = { id: identity.id, address: `${hosts.observer}:${20000 + i}`, httpAddress: `${hosts.observer}:${21000 + i}` };
      const request = create(PingRequestSchema, { sender: signContact(identity, contact, Date.now()) });
      const client = new Client(victim.grpcAddress!, peerClientCredentials({ identity, expectedId: victimId }));
      try {
        await new Promise<void>((resolve, reject) =>
          client.makeUnaryRequest(PING, (r: typeof request) => Buffer.from(toBinary(PingRequestSchema, r)), (b: Buffer) => b, request, new Metadata(), { deadline: Date.now() + 10_000 }, (err) =>
            err ? reject(err) : resolve(),
          ),
        );
      } finally {
        client.close();
      }
    }

    const table = await nodeClient(victim.httpAddress!).routingTable({});
    const fromSybils = table.buckets.map((b) => ({ index: b.index, n: b.contacts.filter((c) => c.peer!.grpcAddress.startsWith(`${hosts.observer}:`)).length }));
    const kept = fromSybils.reduce((sum, b) => sum + b.n, 0);
    assert.ok(fromSybils.every((b) => b.n <= 2), `per bucket: ${JSON.stringify(fromSybils)}`);
    // 10 would fit the per-bucket limit; the table's limit keeps 8 (fewer if the victim already
    // dropped some for not answering its own calls: nothing listens at their addresses).
    assert.ok(kept <= 8, `kept ${kept} of 15 from one /24: ${JSON.stringify(fromSybils)}`);
    const metrics = await (await fetch(`http://${victim.httpAddress}/metrics`)).text();
    const refused = Number(/^p2p_routing_table_diversity_refused_total (\d+)/m.exec(metrics)?.[1]);
    assert.ok(refused >= 7, `diversity refusals counted: ${refused}`);
    // And the victim still answers (its writes need honest replicas, which this lone victim lacks).
    assert.equal((await nodeClient(victim.httpAddress!).info({})).id, victimId);
    assert.equal((await fetch(`http://${victim.httpAddress}/healthz`)).status, 200);
  });
});

