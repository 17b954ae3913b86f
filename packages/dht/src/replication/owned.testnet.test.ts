// Owned records across a 12-node in-memory network: every replica checks the owner's
// signature (a forged Store sent straight to a replica is refused), seq orders versions, and
// anti-entropy brings every replica to the highest seq.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DhtError, OwnedConflictError } from "../errors.js";
import { createTestnet, type Testnet } from "../testing/testnet.js";
import { decodeOwnedEnvelope, encodeOwnedEnvelope, ownedKey, type OwnedEnvelope } from "../records/owned/owned-envelope.js";
import { generateOwnerKey, parseOwnerKey, signOwned } from "../records/owned/owned-signature.js";
import { ownedRecord } from "../records/owned/owned-records.js";
import { compareVersions } from "../records/version.js";

const text = (s: string) => new TextEncoder().encode(s);
const valueOf = (bytes: Uint8Array) => new TextDecoder().decode(decodeOwnedEnvelope(bytes).value);
const owner = parseOwnerKey(generateOwnerKey().privateKeyPem);
const sign = (salt: string, seq: number, value: string) => signOwned(owner, { salt: text(salt), seq, value: text(value) });
const conflict = (seq: number | undefined) => (e: unknown) => e instanceof OwnedConflictError && e.code === "aborted" && e.currentSeq === seq;

describe("owned records on a 12-node testnet", () => {
  let net: Testnet;
  before(async () => {
    net = await createTestnet(12);
  });
  after(async () => {
    await net?.stop();
  });

  const replicas = (e: OwnedEnvelope) => net.closest(ownedKey(e.publicKey, e.salt), 3).map((c) => net.node(c.id));

  test("put, get from another node, update with a higher seq; a lower or reused seq is refused with the current seq", async () => {
    const [writer, reader] = [net.nodes[2]!, net.nodes[9]!];
    await writer.putOwned(sign("a", 1, "one"));
    const got = await reader.getOwned(sign("a", 1, "one").publicKey, text("a"));
    assert.equal(new TextDecoder().decode(got.envelope.value), "one");
    assert.equal(got.envelope.seq, 1);
    await writer.putOwned(sign("a", 2, "two"));
    assert.equal((await reader.getOwned(got.envelope.publicKey, text("a"))).envelope.seq, 2);
    assert.equal((await reader.owned.getByKey(got.key)).envelope.seq, 2);
    await assert.rejects(reader.owned.getByKey("owned/xyz"), (e: unknown) => DhtError.from(e).code === "invalid_argument");
    await assert.rejects(writer.putOwned(sign("a", 1, "old")), conflict(2));
    await assert.rejects(writer.putOwned(sign("a", 2, "other")), conflict(2));
    // The same signed record again is an idempotent retry.
    await writer.putOwned(sign("a", 2, "two"));
  });

  test("compare-and-swap: a wrong expected seq is refused with the current seq, the right one succeeds", async () => {
    const n = net.nodes[4]!;
    await assert.rejects(n.putOwned(sign("cas", 1, "x"), { cas: 0 }), conflict(undefined));
    await n.putOwned(sign("cas", 1, "x"));
    await assert.rejects(n.putOwned(sign("cas", 5, "y"), { cas: 3 }), (e: unknown) => conflict(1)(e) && /expected current seq 3, but the current seq is 1/.test((e as Error).message));
    await n.putOwned(sign("cas", 5, "y"), { cas: 1 });
    assert.equal((await n.getOwned(sign("cas", 1, "x").publicKey, text("cas"))).envelope.seq, 5);
  });

  test("a bad signature is refused by the coordinator and by every replica it is sent to directly", async () => {
    const good = sign("forged", 9, "real");
    const forged = { ...good, value: text("fake") };
    await assert.rejects(net.nodes[0]!.putOwned(forged), (e: unknown) => e instanceof DhtError && e.code === "invalid_argument" && /^signature:/.test(e.message));
    const record = ownedRecord(forged, encodeOwnedEnvelope(forged));
    for (const replica of replicas(good)) {
      const from = net.nodes.findIndex((n) => n !== replica);
      await assert.rejects(net.transports[from]!.store(replica.self, record, { timeoutMs: 500 }), (e: unknown) => DhtError.from(e).code === "invalid_argument" && /signature: does not verify/.test(DhtError.from(e).message));
      assert.equal(await replica.store.get(record.key), undefined);
    }
    // A plain (unsigned, clocked) put cannot squat an owned key either.
    await assert.rejects(net.nodes[0]!.put(record.key, text("squat")), (e: unknown) => DhtError.from(e).code === "invalid_argument");
  });

  test("anti-entropy brings every replica to the highest seq, and equal seqs with different values to one value", async () => {
    const e1 = sign("ae", 1, "one");
    await net.nodes[1]!.putOwned(e1);
    const [r0, r1, r2] = replicas(e1);
    // Writes that reached one replica each: seq 3 on one, seq 2 on another.
    await r0!.records.keep(ownedRecord(sign("ae", 3, "three"), encodeOwnedEnvelope(sign("ae", 3, "three"))));
    await r1!.records.keep(ownedRecord(sign("ae", 2, "two"), encodeOwnedEnvelope(sign("ae", 2, "two"))));
    const key = ownedKey(e1.publicKey, e1.salt);
    const seqs = async () => Promise.all([r0!, r1!, r2!].map(async (n) => decodeOwnedEnvelope((await n.store.get(key))!.value).seq));
    await net.settle(5, async () => (await seqs()).every((s) => s === 3));
    assert.equal(valueOf((await r2!.store.get(key))!.value), "three");

    const [x, y] = [sign("tie", 4, "x"), sign("tie", 4, "y")];
    const winner = compareVersions(ownedRecord(x, new Uint8Array()).version, ownedRecord(y, new Uint8Array()).version) > 0 ? "x" : "y";
    const tieKey = ownedKey(x.publicKey, x.salt);
    const [t0, t1, t2] = net.closest(tieKey, 3).map((c) => net.node(c.id));
    await t0!.records.keep(ownedRecord(x, encodeOwnedEnvelope(x)));
    await t1!.records.keep(ownedRecord(y, encodeOwnedEnvelope(y)));
    await t2!.records.keep(ownedRecord(y, encodeOwnedEnvelope(y)));
    const values = async () => Promise.all([t0!, t1!, t2!].map(async (n) => valueOf((await n.store.get(tieKey))!.value)));
    await net.settle(5, async () => (await values()).every((v) => v === winner));
  });

  test("a forged copy held by one replica is ignored by readers, and repaired over", async () => {
    const e = sign("held-forged", 1, "true");
    await net.nodes[3]!.putOwned(e);
    const key = ownedKey(e.publicKey, e.salt);
    const [bad] = net.closest(key, 3).map((c) => net.node(c.id));
    // Behind its node's back: a seq-100 record with a signature over other bytes.
    const forged = { ...sign("held-forged", 100, "evil"), value: text("evil!") };
    await net.store(bad!).merge(ownedRecord(forged, encodeOwnedEnvelope(forged)));
    for (const reader of net.nodes) {
      const got = await reader.getOwned(e.publicKey, e.salt);
      assert.equal(got.envelope.seq, 1);
    }
  });

  test("signed-only policy: unsigned puts and deletes are refused, owned puts still work", async () => {
    const n = net.nodes[5]!;
    n.updateOptions({ replication: { writePolicy: "signed-only" } });
    try {
      await assert.rejects(n.put("plain/key", text("v")), (e: unknown) => e instanceof DhtError && e.code === "permission_denied" && /signed-only/.test(e.message));
      await assert.rejects(n.delete("plain/key"), (e: unknown) => e instanceof DhtError && e.code === "permission_denied");
      await n.putOwned(sign("policy", 1, "ok"));
      assert.throws(() => n.updateOptions({ replication: { writePolicy: "closed" as "open" } }), /writePolicy: must be "open" or "signed-only"/);
    } finally {
      n.updateOptions({ replication: { writePolicy: "open" } });
    }
  });
});
