import assert from "node:assert/strict";
import { test } from "node:test";
import type { DhtRecord } from "@p2p/dht";
import { decodeRecordValue, encodeRecordValue } from "./record-codec.js";

const writer = "ab".repeat(32);
const plain = (r: DhtRecord) => ({ ...r, value: [...r.value], proof: r.proof && { publicKey: [...r.proof.publicKey], signature: [...r.proof.signature], path: r.proof.path && [...r.proof.path] } });
const base: DhtRecord = { key: "k", value: new TextEncoder().encode("value"), version: { wallMs: 1234, logical: 5, writer }, tombstone: false };

test("records round-trip with no proof, a single proof, and a batch proof's audit path", () => {
  const single = { ...base, proof: { publicKey: new Uint8Array(32).fill(1), signature: new Uint8Array(64).fill(2) } };
  const batch = { ...base, proof: { ...single.proof, path: new Uint8Array(33 * 3).fill(1) } };
  for (const r of [base, single, batch]) {
    const back = decodeRecordValue("k", encodeRecordValue(r));
    // Compared as plain bytes: the decoder answers Buffers, the input was Uint8Arrays.
    assert.equal(JSON.stringify(plain(back)), JSON.stringify(plain(r)));
  }
});

test("damaged bytes are refused, not decoded: a path flag without a proof, a path cut short", () => {
  const batch = { ...base, proof: { publicKey: new Uint8Array(32), signature: new Uint8Array(64), path: new Uint8Array(33 * 2) } };
  const bytes = encodeRecordValue(batch);
  const noProof = Uint8Array.from(bytes);
  noProof[1] = 4;
  assert.throws(() => decodeRecordValue("k", noProof), /unknown flags/);
  // The step count claims more steps than the bytes hold.
  const cut = Uint8Array.from(bytes.subarray(0, 19 + 64 + 96 + 1 + 10));
  assert.throws(() => decodeRecordValue("k", cut), /truncated audit path/);
  assert.throws(() => encodeRecordValue({ ...batch, proof: { ...batch.proof, path: new Uint8Array(34) } }), /whole steps/);
});
