/**
 * Every character of a key and a value arrives as sent, through the public API (Connect binary
 * and JSON, REST) and across peers (gRPC between them): random Unicode with the characters that
 * decoders like to change (a leading U+FEFF byte-order mark, NUL, surrogate pairs, U+FFFD).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { nodeClient, startNetwork, type Network } from "@p2p/launcher";

/** A seeded generator of strings drawn from awkward code points. */
function strings(seed: number): () => string {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pool = ["\ufeff", "\u0000", "\ud83d\ude00", "\ufffd", "é", "a", "Z", "\u200b", "\u2028", "/", "%", " ", "\n", "\u{10ffff}", "\uffff"];
  return () => {
    const n = 1 + Math.floor(next() * 12);
    let out = "";
    for (let i = 0; i < n; i++) out += pool[Math.floor(next() * pool.length)];
    return out;
  };
}

describe("keys and values arrive as sent", { timeout: 120_000 }, () => {
  let net: Network;
  before(async () => {
    // Three peers with R = 3: every write crosses gRPC to both others.
    net = await startNetwork(3);
  });
  after(() => net?.stop());

  test("a key with a leading byte-order mark is its own key, on every replica", async () => {
    const [a, b] = net.peers;
    const writer = nodeClient(a!.httpAddress!, { binary: true });
    await writer.put({ key: "key", value: "plain" });
    await writer.put({ key: "\ufeffkey", value: "\ufeffwith a mark" });
    for (const p of net.peers) {
      const c = nodeClient(p.httpAddress!, { binary: true });
      assert.equal((await c.get({ key: "key" })).value, "plain", `"key" through ${p.httpAddress}`);
      assert.equal((await c.get({ key: "\ufeffkey" })).value, "\ufeffwith a mark", `"\\ufeffkey" through ${p.httpAddress}`);
      const held = (await c.localRecords({ pageSize: 100 })).records.map((r) => r.key);
      assert.ok(held.includes("\ufeffkey") && held.includes("key"), `${p.httpAddress} holds both keys: ${JSON.stringify(held)}`);
    }
    await nodeClient(b!.httpAddress!).delete({ key: "\ufeffkey" });
    assert.equal((await writer.get({ key: "key" })).value, "plain", "deleting the marked key leaves the other");
  });

  test("random awkward strings round-trip through Connect binary, Connect JSON and REST, across peers", async () => {
    const gen = strings(7);
    const [a, b, c] = net.peers;
    const binary = nodeClient(a!.httpAddress!, { binary: true });
    const json = nodeClient(b!.httpAddress!);
    for (let i = 0; i < 40; i++) {
      const key = `${i}:${gen()}`;
      const value = gen();
      const via = i % 3;
      if (via === 0) await binary.put({ key, value });
      else if (via === 1) await json.put({ key, value });
      else {
        const res = await fetch(`http://${c!.httpAddress}/store_data`, { method: "POST", body: JSON.stringify({ key, value }) });
        assert.equal(res.status, 200, await res.text());
      }
      for (const p of net.peers) {
        const got = await nodeClient(p.httpAddress!, { binary: true }).get({ key });
        assert.equal(got.key, key, `key ${JSON.stringify(key)} through ${p.httpAddress}`);
        assert.equal(got.value, value, `value of ${JSON.stringify(key)} through ${p.httpAddress}`);
      }
      const rest = await fetch(`http://${a!.httpAddress}/get_data/${encodeURIComponent(key)}`);
      assert.equal(rest.status, 200);
      const j = (await rest.json()) as { key: string; value: string };
      assert.deepEqual([j.key, j.value], [key, value], `REST ${JSON.stringify(key)}`);
    }
  });
});
