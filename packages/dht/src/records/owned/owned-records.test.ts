import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { RecordTypeRegistry } from "../record-registry.js";
import { plainRecords } from "../plain-records.js";
import { MemoryRecordStore } from "../../store/memory-store.js";
import { DhtError } from "../../errors.js";
import { compareVersions } from "../version.js";
import { decodeOwnedEnvelope, encodeOwnedEnvelope, ENVELOPE_OVERHEAD, MAX_SALT_BYTES, ownedKey, type OwnedEnvelope } from "./owned-envelope.js";
import { generateOwnerKey, parseOwnerKey, signOwned, verifyOwned } from "./owned-signature.js";
import { ownedProblem, ownedRecord, ownedRecords, ownedVersion } from "./owned-records.js";

const text = (s: string) => new TextEncoder().encode(s);
const owner = parseOwnerKey(generateOwnerKey().privateKeyPem);
const other = parseOwnerKey(generateOwnerKey().privateKeyPem);
const recordOf = (e: OwnedEnvelope) => ownedRecord(e, encodeOwnedEnvelope(e));

describe("owned envelope", () => {
  test("round-trips every field, salt and value included", () => {
    const e = signOwned(owner, { salt: text("profile"), seq: 42, value: text("hello") });
    const d = decodeOwnedEnvelope(encodeOwnedEnvelope(e));
    assert.deepEqual({ ...d, publicKey: [...d.publicKey], salt: [...d.salt], signature: [...d.signature], value: [...d.value] }, { ...e, publicKey: [...e.publicKey], salt: [...e.salt], signature: [...e.signature], value: [...e.value] });
    assert.ok(verifyOwned(d));
  });

  test("refuses truncated bytes, an unknown format and a salt over the limit, naming the problem", () => {
    const bytes = encodeOwnedEnvelope(signOwned(owner, { seq: 1, value: text("v") }));
    assert.throws(() => decodeOwnedEnvelope(bytes.subarray(0, 50)), /shorter than its/);
    assert.throws(() => decodeOwnedEnvelope(Uint8Array.of(9, ...bytes.subarray(1))), /unknown format 9/);
    assert.throws(() => signOwned(owner, { salt: new Uint8Array(MAX_SALT_BYTES + 1), seq: 1, value: text("v") }), /^Error: salt: at most 64 bytes/);
    assert.throws(() => signOwned(owner, { seq: -1, value: text("v") }), /seq: must be an integer/);
  });

  test("the key depends on the public key and the salt", () => {
    const a = signOwned(owner, { seq: 1, value: text("v") });
    const b = signOwned(other, { seq: 1, value: text("v") });
    assert.notEqual(ownedKey(a.publicKey), ownedKey(b.publicKey));
    assert.notEqual(ownedKey(a.publicKey, text("x")), ownedKey(a.publicKey));
    assert.match(ownedKey(a.publicKey), /^owned\/[0-9a-f]{64}$/);
  });
});

describe("owned record type", () => {
  const store = new MemoryRecordStore();
  const registry = new RecordTypeRegistry([ownedRecords(store, () => 1024, { debug() {}, info() {}, warn() {}, error() {} }), plainRecords(store, () => 1024)]);

  test("a valid record passes; its version is (seq, 0, sha256(signature))", () => {
    const e = signOwned(owner, { seq: 7, value: text("v") });
    const r = recordOf(e);
    assert.doesNotThrow(() => registry.validate(r));
    assert.equal(r.version.wallMs, 7);
    assert.equal(registry.typeOf(r.key).name, "owned");
  });

  test("a bad signature, a changed value or seq, another owner's key, a forged version: each refused by name", () => {
    const e = signOwned(owner, { seq: 7, value: text("v") });
    const badSig = { ...e, signature: e.signature.map((b, i) => (i === 0 ? b ^ 1 : b)) };
    assert.match(ownedProblem(recordOf(badSig))!, /^signature: does not verify/);
    assert.match(ownedProblem(recordOf({ ...e, value: text("w") }))!, /^signature:/);
    assert.match(ownedProblem(recordOf({ ...e, seq: 8 }))!, /^signature:/);
    const stolen = { ...recordOf(e), key: ownedKey(signOwned(other, { seq: 1, value: text("x") }).publicKey) };
    assert.match(ownedProblem(stolen)!, /^key:/);
    assert.match(ownedProblem({ ...recordOf(e), version: { ...recordOf(e).version, wallMs: 99 } })!, /^version:/);
    assert.match(ownedProblem({ ...recordOf(e), value: new Uint8Array(0), tombstone: true })!, /^tombstone:/);
    assert.throws(() => registry.validate(recordOf(badSig)), (err: unknown) => err instanceof DhtError && err.code === "invalid_argument" && /record: signature/.test(err.message));
  });

  test("an unsigned plain-style record under owned/ is refused", () => {
    const key = ownedKey(signOwned(owner, { seq: 1, value: text("v") }).publicKey);
    assert.throws(() => registry.validate({ key, value: text("plain"), version: { wallMs: 1, logical: 0, writer: "a".repeat(64) }, tombstone: false }), /record: value:/);
  });

  test("the value limit is the plain limit plus the envelope's header", () => {
    assert.equal(registry.typeOf("owned/x").maxValueBytes(), 1024 + ENVELOPE_OVERHEAD);
    const big = recordOf(signOwned(owner, { seq: 1, value: new Uint8Array(1025 + ENVELOPE_OVERHEAD) }));
    assert.throws(() => registry.validate(big), (err: unknown) => err instanceof DhtError && err.code === "resource_exhausted");
  });

  test("the store keeps the highest seq; a lower seq is not applied", async () => {
    const type = registry.typeOf("owned/");
    const v2 = recordOf(signOwned(owner, { salt: text("s"), seq: 2, value: text("two") }));
    const v1 = recordOf(signOwned(owner, { salt: text("s"), seq: 1, value: text("one") }));
    assert.equal((await type.keep(v2)).applied, true);
    const res = await type.keep(v1);
    assert.equal(res.applied, false);
    assert.equal(res.current.wallMs, 2);
    assert.equal(new TextDecoder().decode(decodeOwnedEnvelope((await type.read(v2.key))!.value).value), "two");
  });

  test("equal seq, different values: ordered by the signature's hash, the same way whichever arrives first", async () => {
    const a = recordOf(signOwned(owner, { salt: text("tie"), seq: 5, value: text("a") }));
    const b = recordOf(signOwned(owner, { salt: text("tie"), seq: 5, value: text("b") }));
    assert.notEqual(compareVersions(a.version, b.version), 0);
    const winner = compareVersions(a.version, b.version) > 0 ? a : b;
    for (const order of [[a, b], [b, a]]) {
      const s = new MemoryRecordStore();
      const t = ownedRecords(s, () => 1024, { debug() {}, info() {}, warn() {}, error() {} });
      for (const r of order) await t.keep(r);
      assert.equal(compareVersions((await t.read(a.key))!.version, winner.version), 0);
    }
    // Ed25519 is deterministic: the same (salt, seq, value) signs to the same version.
    assert.deepEqual(ownedVersion(signOwned(owner, { salt: text("tie"), seq: 5, value: text("a") })), a.version);
  });

  test("a copy damaged on disk is dropped on read", async () => {
    const s = new MemoryRecordStore();
    const t = ownedRecords(s, () => 1024, { debug() {}, info() {}, warn() {}, error() {} });
    const r = recordOf(signOwned(owner, { seq: 1, value: text("v") }));
    await s.merge({ ...r, value: r.value.map((b, i) => (i === r.value.length - 1 ? b ^ 1 : b)) });
    assert.equal(await t.read(r.key), undefined);
    assert.equal(await s.get(r.key), undefined);
  });
});

describe("owned records and the record quota", () => {
  test("a flood of owned records hits the record quota like plain ones (signing costs nothing)", async () => {
    const { RecordQuota, recordCost } = await import("../record-quota.js");
    const store = new MemoryRecordStore();
    const first = recordOf(signOwned(owner, { salt: text("flood-0"), seq: 1, value: new Uint8Array(500) }));
    const quota = new RecordQuota(store, () => false, { recordQuotaBytes: 3 * recordCost(first) });
    const type = ownedRecords(store, () => 1024, { debug() {}, info() {}, warn() {}, error() {} }, quota);
    let refused: unknown;
    for (let i = 0; i < 10 && !refused; i++) {
      await type.keep(recordOf(signOwned(owner, { salt: text(`flood-${i}`), seq: 1, value: new Uint8Array(500) }))).catch((e: unknown) => (refused = e));
    }
    assert.ok(refused instanceof DhtError && refused.code === "resource_exhausted", String(refused));
    assert.ok(quota.usedBytes <= quota.options.recordQuotaBytes);
  });
});
