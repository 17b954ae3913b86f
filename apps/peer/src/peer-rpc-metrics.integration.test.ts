/**
 * Every PeerService method, the chunk streams included, is timed and counted by the node's
 * interceptor chain: after a workload that calls each of them on real peers, each method shows
 * in the peers' /metrics (counts and latency histograms) and in their Stats.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { PEER_METHOD_NAME_LIST } from "@p2p/dht";
import { nodeClient, startNetwork, startPeer, waitFor, type Network, type PeerProcess } from "@p2p/launcher";

/** Sums a Prometheus series over the given label filter, from several scrapes. */
function sum(bodies: string[], name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const body of bodies) {
    for (const line of body.split("\n")) {
      if (!line.startsWith(`${name}{`)) continue;
      if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}

describe("every PeerService method is timed and counted", { timeout: 180_000 }, () => {
  let net: Network;
  const extra: PeerProcess[] = [];
  before(async () => {
    net = await startNetwork(4, { peer: { args: ["--repair-interval-ms", "300"] } });
  });
  after(async () => {
    for (const p of extra) await p.stop(5000).catch(() => {});
    await net?.stop();
  });

  test("a workload that calls each method shows each in /metrics and in Stats", async () => {
    const [a, b, c, d] = net.peers;
    const client = nodeClient(a!.httpAddress!);
    // Ping (bootstrap probes), FindNode (joins), Store and FindValue (puts and gets).
    for (let i = 0; i < 20; i++) await client.put({ key: `k${i}`, value: "v" });
    for (let i = 0; i < 5; i++) await client.get({ key: `k${i}` });
    // StoreChunk and CommitChunks (an upload), FetchChunk (downloads through the other peers:
    // with 8 chunks on 3 of 4 peers each, not every one of them holds every chunk).
    const data = randomBytes(8 << 20);
    const up = await fetch(`http://${b!.httpAddress}/files/m.bin`, { method: "PUT", body: data });
    assert.equal(up.status, 201, await up.clone().text());
    const { id } = (await up.json()) as { id: string };
    for (const p of [a!, c!, d!]) {
      const down = await fetch(`http://${p.httpAddress}/files/${id}`);
      assert.ok(Buffer.from(await down.arrayBuffer()).equals(data));
    }
    // ReleaseChunks: an upload cut midway releases the chunks it placed on the holders.
    await new Promise<void>((resolve) => {
      const req = http.request(`http://${b!.httpAddress}/files/cut.bin`, { method: "PUT", headers: { "content-length": String(8 << 20) } });
      req.on("error", () => resolve());
      req.write(randomBytes(4 << 20), () =>
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 500),
      );
    });
    await waitFor(
      async () => sum(await Promise.all([a!, b!, c!, d!].map(async (p) => (await fetch(`http://${p.httpAddress}/metrics`)).text())), "p2p_peer_rpc_total", { method: "ReleaseChunks" }) > 0,
      { timeoutMs: 20_000, what: "the cut upload's release calls" },
    );
    // StoreMany and FindValueMany: batches (reads take the batch round once the coordinator's
    // view of the whole network is confirmed, which the first operations ask for).
    await waitFor(
      async () => {
        await client.putMany({ entries: [{ key: "batch-a", value: "1" }, { key: "batch-b", value: "2" }] });
        await client.getMany({ keys: ["batch-a", "batch-b"] });
        const now = await Promise.all([a!, b!, c!, d!].map(async (p) => (await fetch(`http://${p.httpAddress}/metrics`)).text()));
        return ["StoreMany", "FindValueMany"].every((method) => sum(now, "p2p_peer_rpc_total", { method }) > 0);
      },
      { timeoutMs: 20_000, what: "the batch calls" },
    );
    // SyncDigest, SyncKeys and FetchRecords: a peer that missed writes catches up by repair.
    await d!.kill();
    for (let i = 20; i < 40; i++) await client.put({ key: `k${i}`, value: "v" });
    const back = startPeer({ dataDir: d!.dataDir, bootstrap: [a!.grpcAddress!], args: ["--repair-interval-ms", "300"] });
    extra.push(back);
    await back.ready;
    // How many of the 40 keys the restarted peer should hold depends on where its random ID
    // falls among the others', so wait for the repair calls themselves rather than a count.
    const scrape = async () => Promise.all([a!, b!, c!, back].map(async (p) => (await fetch(`http://${p.httpAddress}/metrics`)).text()));
    await waitFor(
      async () => {
        const now = await scrape();
        return ["SyncDigest", "SyncKeys", "FetchRecords"].every((method) => sum(now, "p2p_peer_rpc_total", { method }) > 0);
      },
      { timeoutMs: 30_000, what: "the restarted peer to catch up by repair" },
    );
    // Goodbye: a graceful stop says goodbye to every contact.
    await net.peers[2]!.stop(5000);

    const live = [a!, b!, d!, back].filter((p) => p.state === "running");
    const bodies = await Promise.all(live.map(async (p) => (await fetch(`http://${p.httpAddress}/metrics`)).text()));
    for (const method of PEER_METHOD_NAME_LIST) {
      const calls = sum(bodies, "p2p_peer_rpc_total", { method });
      const timed = sum(bodies, "p2p_peer_rpc_duration_seconds_count", { method });
      assert.ok(calls > 0, `${method}: counted in /metrics`);
      assert.ok(timed > 0, `${method}: timed in /metrics`);
    }
    // Stats lists every method on both sides, whatever this one peer happened to call.
    const stats = await nodeClient(a!.httpAddress!).stats({});
    assert.deepEqual(
      stats.peerRpcs.map((r) => r.name).sort(),
      PEER_METHOD_NAME_LIST.flatMap((m) => [`${m}/server`, `${m}/client`]).sort(),
    );
    const byName = new Map(stats.peerRpcs.map((r) => [r.name, r]));
    for (const name of ["FindValue/client", "Store/client", "Ping/server"]) {
      const s = byName.get(name)!;
      assert.ok(s.count > 0n && s.p50Ms > 0, `${name}: count ${s.count}, p50 ${s.p50Ms} ms`);
    }
  });
});
