/**
 * Batch operations through real peer processes: PutMany / GetMany / DeleteMany over Connect
 * JSON (what curl sends), PutStream over gRPC (h2c), and the REST forms. Each key is answered
 * on its own, and the coordinator sends one StoreMany / FindValueMany per replica instead of a
 * Store / FindValue per key.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { startNetwork, waitFor, type Network } from "@p2p/launcher";
import { NodeService } from "@p2p/proto/node";

/** Sum of p2p_peer_rpc_total on one peer for `method` and `side`. */
async function rpcCount(httpAddress: string, method: string, side: "client" | "server"): Promise<number> {
  const text = await (await fetch(`http://${httpAddress}/metrics`)).text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("p2p_peer_rpc_total{") && line.includes(`method="${method}"`) && line.includes(`side="${side}"`)) total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

async function connectJson(httpAddress: string, method: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`http://${httpAddress}/p2p.v1.NodeService/${method}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe("batch operations on 5 real peers", () => {
  let net: Network;
  before(async () => {
    net = await startNetwork(5);
    // A peer skips lookups once a neighbourhood lookup has confirmed its table is the whole
    // network (asked for by the first operations): until then the batch round is not taken.
    const coordinator = net.peers[1]!.httpAddress!;
    await waitFor(async () => {
      const before = await rpcCount(coordinator, "Store", "client");
      await connectJson(coordinator, "PutMany", { entries: [{ key: "warm-up", value: "w" }] });
      return (await rpcCount(coordinator, "Store", "client")) === before;
    }, { timeoutMs: 20_000, what: "operations without lookups (a confirmed view)" });
  });
  after(async () => {
    await net?.stop();
  });

  test("PutMany and GetMany over Connect JSON: per-key results, one peer call per replica", async () => {
    const coordinator = net.peers[1]!.httpAddress!;
    const entries = Array.from({ length: 300 }, (_, i) => ({ key: `bulk/${i}`, value: `value-${i}` }));
    const storesBefore = await rpcCount(coordinator, "Store", "client");
    const put = await connectJson(coordinator, "PutMany", { entries: [...entries, { key: "", value: "no key" }] });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal(put.json.stored, 300);
    assert.equal(put.json.failed, 1);
    const results = put.json.results as { key: string; acknowledgedBy?: string[]; error?: { code: string; message: string } }[];
    assert.equal(results.length, 301);
    assert.ok(results.slice(0, 300).every((r) => (r.acknowledgedBy?.length ?? 0) >= 2 && !r.error));
    assert.equal(results[300]!.error?.code, "invalid_argument");
    // One StoreMany per other peer (4), not a Store per key and replica (~600).
    assert.ok((await rpcCount(coordinator, "StoreMany", "client")) <= 8);
    assert.ok((await rpcCount(coordinator, "Store", "client")) - storesBefore < 30, "keys went through the batch round");

    const reader = net.peers[3]!.httpAddress!;
    const got = await connectJson(reader, "GetMany", { keys: ["bulk/0", "bulk/299", "bulk/none"] });
    assert.equal(got.status, 200);
    const read = got.json.results as { key: string; found?: boolean; value?: string; error?: { code: string } }[];
    assert.deepEqual(read.map((r) => [r.key, r.found ?? false, r.value ?? "", r.error?.code ?? ""]), [
      ["bulk/0", true, "value-0", ""],
      ["bulk/299", true, "value-299", ""],
      ["bulk/none", false, "", "not_found"],
    ]);
    assert.equal(got.json.found, 2);
    assert.equal(got.json.missing, 1);
    // The reader takes the batch round once its own view is confirmed (its first operations ask for it).
    await waitFor(
      async () => {
        await connectJson(reader, "GetMany", { keys: ["bulk/0", "bulk/1"] });
        return (await rpcCount(reader, "FindValueMany", "client")) >= 1;
      },
      { timeoutMs: 20_000, what: "a FindValueMany from the reader" },
    );
  });

  test("DeleteMany hides keys; a batch over the limit is refused whole with a message naming it", async () => {
    const addr = net.peers[2]!.httpAddress!;
    const del = await connectJson(addr, "DeleteMany", { keys: ["bulk/1", "bulk/2"] });
    assert.equal(del.status, 200);
    assert.equal(del.json.deleted, 2);
    const got = await connectJson(addr, "GetMany", { keys: ["bulk/1", "bulk/2", "bulk/3"] });
    assert.deepEqual((got.json.results as { error?: { code: string } }[]).map((r) => r.error?.code ?? "found"), ["not_found", "not_found", "found"]);
    const tooMany = await connectJson(addr, "GetMany", { keys: Array.from({ length: 1001 }, (_, i) => `k${i}`) });
    assert.equal(tooMany.status, 400);
    assert.match(String(tooMany.json.message), /keys: at most 1000 per batch, got 1001/);
  });

  test("REST: POST /store_data with an array, POST /get_data with an array of keys", async () => {
    const addr = net.peers[4]!.httpAddress!;
    const stored = await fetch(`http://${addr}/store_data`, { method: "POST", body: JSON.stringify([{ key: "rest/a", value: "A" }, { key: "rest/b", value: "B" }, { key: "rest/c" }]) });
    assert.equal(stored.status, 400, "an item without a value fails the request, naming it");
    assert.match(((await stored.json()) as { error: string }).error, /body\[2\]\.value: expected a string/);
    const ok = await fetch(`http://${addr}/store_data`, { method: "POST", body: JSON.stringify([{ key: "rest/a", value: "A" }, { key: "rest/b", value: "B" }]) });
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { stored: number; results: { key: string; message: string }[] };
    assert.equal(body.stored, 2);
    assert.deepEqual(body.results.map((r) => r.message), ["stored", "stored"]);
    // The single-key form is unchanged.
    const single = await fetch(`http://${addr}/store_data`, { method: "POST", body: JSON.stringify({ key: "rest/single", value: "S" }) });
    assert.equal(((await single.json()) as { message: string }).message, "stored");
    const got = await fetch(`http://${addr}/get_data`, { method: "POST", body: JSON.stringify(["rest/a", "rest/b", "rest/single", "rest/none"]) });
    assert.equal(got.status, 200);
    const read = (await got.json()) as { found: number; missing: number; results: { value?: string; code?: string }[] };
    assert.deepEqual(read.results.map((r) => r.value ?? r.code), ["A", "B", "S", "not_found"]);
    assert.equal(read.found, 3);
    assert.equal(read.missing, 1);
  });

  test("PutStream over gRPC: batches stored as they arrive, totals and the failures answered", async () => {
    const client = createClient(NodeService, createGrpcTransport({ baseUrl: `http://${net.peers[0]!.httpAddress}`, defaultTimeoutMs: 30_000 }));
    async function* batches() {
      for (let b = 0; b < 5; b++) yield { entries: Array.from({ length: 200 }, (_, i) => ({ key: `stream/${b}/${i}`, value: `v${b}.${i}` })) };
      yield { entries: [{ key: "", value: "bad" }] };
    }
    const res = await client.putStream(batches());
    assert.equal(res.stored, 1000n);
    assert.equal(res.failed, 1n);
    assert.equal(res.failures[0]?.error?.code, "invalid_argument");
    const got = await client.getMany({ keys: ["stream/0/0", "stream/4/199"] });
    assert.deepEqual(got.results.map((r) => r.value), ["v0.0", "v4.199"]);
  });
});
