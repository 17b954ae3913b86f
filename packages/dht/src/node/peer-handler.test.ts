import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DhtError } from "../errors.js";
import { isDhtError } from "../testing/assertions.js";
import { createTestnet } from "../testing/testnet.js";
import type { DhtRecord } from "../types.js";
import { compareDistance, sha256Hex } from "../kademlia/node-id.js";

const text = (s: string) => new TextEncoder().encode(s);


describe("what a node answers to Store and FindValue", () => {
  test("Store refuses a version from the far future and stores nothing", async (t) => {
    const net = await createTestnet(3);
    t.after(() => net.stop());
    const [x, y] = net.nodes;
    const record: DhtRecord = {
      key: "k",
      value: text("v"),
      version: { wallMs: Date.now() + 2 * 3_600_000, logical: 0, writer: y!.self.id },
      tombstone: false,
    };
    await assert.rejects(x!.handler.onStore(y!.self, record), isDhtError("failed_precondition", /version\.wallMs: .* ms ahead of this peer.s clock \(max clock offset 1000 ms\)/));
    assert.equal(x!.store.count(), 0);
  });

  test("FindValue returns the record and the closest contacts except the requester", async (t) => {
    const net = await createTestnet(5);
    t.after(() => net.stop());
    const [x, y] = net.nodes;
    const record: DhtRecord = { key: "k", value: text("v"), version: { wallMs: 1, logical: 0, writer: y!.self.id }, tombstone: false };
    await x!.handler.onStore(y!.self, record);
    const res = await x!.handler.onFindValue(y!.self, "k");
    assert.deepEqual(res.record, record);
    assert.equal(res.contacts.length, 3);
    assert.ok(!res.contacts.some((c) => c.id === y!.self.id || c.id === x!.self.id));
    await assert.rejects(x!.handler.onFindValue(y!.self, ""), isDhtError("invalid_argument", /^key:/));
  });

  test("Store is accepted only by peers among the key's closest (R + slack), after the record is checked", async (t) => {
    const net = await createTestnet(30);
    t.after(() => net.stop());
    const key = "placed";
    const position = sha256Hex(key);
    const byDistance = [...net.nodes].sort((a, b) => compareDistance(position, a.self.id, b.self.id));
    const writer = byDistance[0]!;
    const record: DhtRecord = { key, value: text("v"), version: { wallMs: Date.now(), logical: 0, writer: writer.self.id }, tombstone: false };
    // R = 3 and slack 2R: the 9 closest accept (their tables know every peer of 30).
    const near = byDistance[8]!;
    assert.equal((await near.handler.onStore(writer.self, record)).applied, true);
    const far = byDistance[29]!;
    await assert.rejects(far.handler.onStore(writer.self, record), isDhtError("failed_precondition", /not among the 9 peers closest to the key/));
    assert.equal(await far.store.get(key), undefined);
    // Bad input is still named as such, wherever it lands.
    await assert.rejects(far.handler.onStore(writer.self, { ...record, key: "" }), isDhtError("invalid_argument", /key/));
  });
});

