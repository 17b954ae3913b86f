import assert from "node:assert/strict";
import { createHash, createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { test } from "node:test";
import type { DhtRecord } from "../types.js";
import { MemoryRecordStore } from "../store/memory-store.js";
import { plainRecords } from "./plain-records.js";
import { RecordTypeRegistry } from "./record-registry.js";
import { ed25519WriterProofs, VerifiedSignatures } from "./writer-proof.js";
import { verifyEd25519 } from "./ed25519.js";

function identity() {
  const { privateKey } = generateKeyPairSync("ed25519");
  const publicKey = new Uint8Array(createPublicKey(privateKey).export({ format: "der", type: "spki" }).subarray(12));
  return { id: createHash("sha256").update(publicKey).digest("hex"), publicKey, sign: (d: Uint8Array) => new Uint8Array(sign(null, d, privateKey)) };
}

const alice = identity();
const mallory = identity();
const proofs = ed25519WriterProofs(alice);
const record = (over: Partial<DhtRecord> = {}): DhtRecord => ({ key: "k", value: new TextEncoder().encode("v"), version: { wallMs: 1000, logical: 0, writer: alice.id }, tombstone: false, ...over });

test("a record signed by its writer verifies; changing anything it covers breaks it", () => {
  const signed = proofs.sign(record());
  assert.equal(proofs.problem(signed), undefined);
  assert.match(proofs.problem({ ...signed, value: new TextEncoder().encode("w") })!, /does not verify/);
  assert.match(proofs.problem({ ...signed, tombstone: true, value: new Uint8Array(0) })!, /does not verify/);
  assert.match(proofs.problem({ ...signed, version: { ...signed.version, wallMs: 2000 } })!, /does not verify/);
  assert.match(proofs.problem({ ...signed, key: "other" })!, /does not verify/);
});

test("a record or tombstone 'written by' someone else is refused, whoever signed it", () => {
  assert.match(proofs.problem(record())!, /missing/);
  // Mallory signs with her key a record that names Alice as its writer.
  const asMallory = ed25519WriterProofs(mallory).sign({ ...record(), version: { wallMs: 1000, logical: 0, writer: mallory.id } });
  assert.match(proofs.problem({ ...asMallory, version: { ...asMallory.version, writer: alice.id } })!, /publicKey: is not the key of version\.writer/);
  // Or she borrows Alice's public key with her own signature.
  const tomb = record({ tombstone: true, value: new Uint8Array(0) });
  const forged = { ...tomb, proof: { publicKey: alice.publicKey, signature: mallory.sign(new Uint8Array(64)) } };
  assert.match(proofs.problem(forged)!, /does not verify/);
  assert.throws(() => ed25519WriterProofs(mallory).sign(record()), /not by this node/);
});

test("the registry signs and checks clocked records only when built with proofs", () => {
  const store = new MemoryRecordStore();
  const withProofs: RecordTypeRegistry = new RecordTypeRegistry([plainRecords(store, () => 1024)], proofs);
  const signed = withProofs.signed(record());
  assert.ok(signed.proof);
  withProofs.validate(signed);
  assert.throws(() => withProofs.validate(record()), /record\.proof: missing/);
  const without: RecordTypeRegistry = new RecordTypeRegistry([plainRecords(store, () => 1024)]);
  assert.equal(without.signed(record()).proof, undefined);
  without.validate(record());
});

test("a collected delete answers with its tombstone's proof: the tombstone verifies wherever it is sent", async () => {
  const { LocalRecords } = await import("./local-records.js");
  const { HybridLogicalClock } = await import("./hlc.js");
  const { IndexedRecordStore } = await import("../store/indexed-store.js");
  const store = new IndexedRecordStore(new MemoryRecordStore());
  const registry: RecordTypeRegistry = new RecordTypeRegistry([plainRecords(store, () => 1024)], proofs);
  const records = new LocalRecords(store, registry, new HybridLogicalClock({ self: alice.id, clock: { now: () => 5000 } }));
  const tombstone = registry.signed(record({ tombstone: true, value: new Uint8Array(0) }));
  await records.keep(tombstone);
  assert.equal(await records.collect(tombstone), true);
  const answered = await records.read("k");
  assert.ok(answered?.tombstone && answered.proof);
  registry.validate(answered);
});

test("batch proofs: one signature for many records, each verifying on its own; tampering anything fails", () => {
  for (const n of [2, 3, 7, 64, 1000]) {
    const records = Array.from({ length: n }, (_, i) => record({ key: `k${i}`, value: new TextEncoder().encode(`v${i}`), version: { wallMs: 1000 + i, logical: 0, writer: alice.id } }));
    const signed = proofs.signMany(records);
    assert.equal(new Set(signed.map((r) => Buffer.from(r.proof!.signature).toString("hex"))).size, 1, "one signature");
    const check = ed25519WriterProofs(mallory); // a fresh verifier: nothing cached
    for (const r of signed) assert.equal(check.problem(r), undefined, `${n} records: ${r.key}`);
    const [a, b] = signed;
    assert.match(check.problem({ ...a!, value: new TextEncoder().encode("changed") })!, /does not verify/);
    assert.match(check.problem({ ...a!, version: { ...a!.version, wallMs: 5 } })!, /does not verify/);
    // Another record's path, a flipped side, a shortened path: all lead elsewhere.
    assert.match(check.problem({ ...a!, proof: { ...a!.proof!, path: b!.proof!.path! } })!, /does not verify/);
    const flipped = Uint8Array.from(a!.proof!.path!);
    flipped[0] = flipped[0] === 1 ? 0 : 1;
    assert.match(check.problem({ ...a!, proof: { ...a!.proof!, path: flipped } })!, /does not verify/);
    if (a!.proof!.path!.length > 33) assert.match(check.problem({ ...a!, proof: { ...a!.proof!, path: a!.proof!.path!.subarray(33) } })!, /does not verify/);
  }
  const one = proofs.signMany([record()]);
  assert.equal(one[0]!.proof!.path, undefined, "a batch of one is signed as a single record");
  const bad = proofs.signMany([record({ key: "x" }), record({ key: "y" })])[0]!;
  assert.match(proofs.problem({ ...bad, proof: { ...bad.proof!, path: new Uint8Array(34) } })!, /multiple of 33/);
  const side = new Uint8Array(33);
  side[0] = 2;
  assert.match(proofs.problem({ ...bad, proof: { ...bad.proof!, path: side } })!, /side 2/);
  assert.match(proofs.problem({ ...bad, proof: { ...bad.proof!, path: new Uint8Array(33 * 21) } })!, /at most 20 steps/);
  assert.throws(() => proofs.signMany([record(), record({ version: { wallMs: 1, logical: 0, writer: mallory.id } })]), /not by this node/);
});

/** Proofs of `who` whose signature checks are counted. */
function counted(who: ReturnType<typeof identity>, verifiedCacheSize?: number) {
  const calls = { n: 0 };
  const verify = (k: Uint8Array, d: Uint8Array, s: Uint8Array) => {
    calls.n++;
    return verifyEd25519(k, d, s);
  };
  return { calls, proofs: ed25519WriterProofs(who, { verify, ...(verifiedCacheSize === undefined ? {} : { verifiedCacheSize }) }) };
}

test("a record heard again is not verified again; anything changed in it is verified afresh and refused", () => {
  const { calls, proofs: reader } = counted(alice);
  const signed = ed25519WriterProofs(alice).sign(record());
  assert.equal(reader.problem(signed), undefined);
  assert.equal(reader.problem({ ...signed }), undefined);
  assert.equal(calls.n, 1);
  const sig = new Uint8Array(signed.proof!.signature);
  sig[0]! ^= 1;
  assert.match(reader.problem({ ...signed, proof: { ...signed.proof!, signature: sig } })!, /does not verify/);
  assert.match(reader.problem({ ...signed, value: new TextEncoder().encode("w") })!, /does not verify/);
  assert.match(reader.problem({ ...signed, version: { ...signed.version, logical: 1 } })!, /does not verify/);
  assert.match(reader.problem({ ...signed, tombstone: true, value: new Uint8Array(0) })!, /does not verify/);
  assert.match(reader.problem({ ...signed, key: "k2" })!, /does not verify/);
  assert.equal(calls.n, 6);
  // A refusal is remembered as a refusal.
  assert.match(reader.problem({ ...signed, proof: { ...signed.proof!, signature: sig } })!, /does not verify/);
  assert.equal(calls.n, 6);
});

test("what this node signed needs no check when it comes back", () => {
  const { calls, proofs: own } = counted(alice);
  const signed = own.sign(record());
  assert.equal(own.problem(signed), undefined);
  assert.equal(calls.n, 0);
});

test("the verified-signature cache is bounded and forgets the least recently used first", () => {
  const { calls, proofs: reader } = counted(alice, 2);
  const writer = ed25519WriterProofs(alice);
  const [a, b, c] = ["a", "b", "c"].map((key) => writer.sign(record({ key })));
  reader.problem(a!);
  reader.problem(b!);
  reader.problem(a!); // a used last: b is the one to go
  reader.problem(c!);
  assert.equal(calls.n, 3);
  reader.problem(a!);
  assert.equal(calls.n, 3);
  reader.problem(b!);
  assert.equal(calls.n, 4);
  const cache = new VerifiedSignatures(2);
  for (const k of ["1", "2", "3", "4"]) cache.set(k, true);
  assert.equal(cache.size, 2);
  const off = counted(alice, 0);
  off.proofs.problem(a!);
  off.proofs.problem(a!);
  assert.equal(off.calls.n, 2);
});
