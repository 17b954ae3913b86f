/**
 * Raw Ed25519 keys (the 32 bytes peer IDs, writer proofs and owned records carry) with
 * node:crypto, in one place. Parsing a raw key into a KeyObject costs as much as a verify
 * (~200 µs each on a 2-core machine), and the keys seen are few (peers, owners), so parsed keys
 * are kept in a small bounded cache.
 */
import { createPublicKey, verify, type KeyObject } from "node:crypto";

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;
const MAX_CACHED_KEYS = 1024;
const parsed = new Map<string, KeyObject>();

/** The raw 32-byte public key of a private or public Ed25519 KeyObject. */
export function rawEd25519PublicKey(key: KeyObject): Uint8Array {
  return new Uint8Array(createPublicKey(key).export({ format: "der", type: "spki" }).subarray(ED25519_SPKI_PREFIX.length));
}

/**
 * Checks an Ed25519 signature made with a raw 32-byte public key. Returns false (never throws)
 * for a key or signature of the wrong length or a key that is not a curve point. OpenSSL
 * refuses a non-canonical S, so a valid signature cannot be re-encoded into a second one.
 */
export function verifyEd25519(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES || signature.length !== ED25519_SIGNATURE_BYTES) return false;
  try {
    return verify(null, data, keyOf(publicKey), signature);
  } catch {
    return false;
  }
}

function keyOf(raw: Uint8Array): KeyObject {
  const hex = Buffer.from(raw).toString("hex");
  let key = parsed.get(hex);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: "der", type: "spki" });
    if (parsed.size >= MAX_CACHED_KEYS) parsed.delete(parsed.keys().next().value!);
    parsed.set(hex, key);
  }
  return key;
}
