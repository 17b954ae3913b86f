import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync } from "node:crypto";
import { PeerIdentity, nodeIdOfPublicKey, verifyEd25519 } from "./peer-identity.js";

test("id is SHA-256 of the raw 32-byte public key in lowercase hex", () => {
  const identity = PeerIdentity.generate();
  assert.equal(identity.publicKey.length, 32);
  assert.match(identity.id, /^[0-9a-f]{64}$/);
  assert.equal(identity.id, createHash("sha256").update(identity.publicKey).digest("hex"));
  assert.equal(nodeIdOfPublicKey(identity.publicKey), identity.id);
});

test("an exported private key restores the same identity", () => {
  const a = PeerIdentity.generate();
  const b = PeerIdentity.fromPrivateKey(a.exportPrivateKey());
  assert.equal(b.id, a.id);
  assert.deepEqual(b.publicKey, a.publicKey);
  assert.notEqual(PeerIdentity.generate().id, a.id);
});

test("signatures verify with the public key and fail when data or key differ", () => {
  const identity = PeerIdentity.generate();
  const data = new TextEncoder().encode("hello");
  const sig = identity.sign(data);
  assert.equal(sig.length, 64);
  assert.equal(verifyEd25519(identity.publicKey, data, sig), true);
  assert.equal(verifyEd25519(identity.publicKey, new TextEncoder().encode("hellp"), sig), false);
  assert.equal(verifyEd25519(PeerIdentity.generate().publicKey, data, sig), false);
  assert.equal(verifyEd25519(identity.publicKey.subarray(1), data, sig), false);
});

test("fromPrivateKey rejects garbage and non-Ed25519 keys with a clear error", () => {
  assert.throws(() => PeerIdentity.fromPrivateKey(new Uint8Array([1, 2, 3])), /PKCS#8/);
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "der", type: "pkcs8" });
  assert.throws(() => PeerIdentity.fromPrivateKey(ec), /expected an Ed25519 key, got ec/);
});
