/**
 * Signing and checking owned records with Ed25519 (node:crypto). This is the library a client
 * signs with locally, so its private key never leaves it (the CLI does); replicas and readers
 * check with the same function.
 */
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { rawEd25519PublicKey, verifyEd25519 } from "../ed25519.js";
import { envelopeFieldProblem, ownedSignedBytes, OWNER_KEY_BYTES, type OwnedEnvelope } from "./owned-envelope.js";

/** A fresh owner key pair: the private key as PKCS#8 PEM (secret: a 0600 file), the raw public key. */
export function generateOwnerKey(): { privateKeyPem: string; publicKey: Uint8Array } {
  const { privateKey } = generateKeyPairSync("ed25519");
  return { privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }) as string, publicKey: ownerPublicKey(privateKey) };
}

/**
 * An owner's private key from PEM text (what generateOwnerKey wrote).
 * @throws Error when the text is not a PEM Ed25519 private key (the key itself is never in the message).
 */
export function parseOwnerKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch (err) {
    throw new Error("owner key: not a PEM private key", { cause: err });
  }
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`owner key: expected an Ed25519 key, got ${key.asymmetricKeyType ?? "unknown"}`);
  return key;
}

/** The raw 32-byte public key of a private (or public) Ed25519 key. */
export function ownerPublicKey(key: KeyObject): Uint8Array {
  return rawEd25519PublicKey(key);
}

/**
 * Signs (salt, seq, value) with `privateKey`: the envelope a PutOwned carries.
 * @throws Error naming the field when salt or seq is out of range.
 */
export function signOwned(privateKey: KeyObject, fields: { salt?: Uint8Array; seq: number; value: Uint8Array }): OwnedEnvelope {
  const salt = fields.salt ?? new Uint8Array(0);
  const unsigned = { publicKey: ownerPublicKey(privateKey), salt, seq: fields.seq, value: fields.value, signature: new Uint8Array(64) };
  const problem = envelopeFieldProblem(unsigned);
  if (problem) throw new Error(problem);
  return { ...unsigned, signature: new Uint8Array(sign(null, ownedSignedBytes(salt, fields.seq, fields.value), privateKey)) };
}

/**
 * True when the envelope's signature is its owner's over (salt, seq, value). False (never a
 * throw) for fields out of range or a public key that is no curve point. OpenSSL refuses a
 * non-canonical S, so a valid signature cannot be re-encoded into a second valid one.
 */
export function verifyOwned(e: OwnedEnvelope): boolean {
  if (envelopeFieldProblem(e) !== undefined || e.publicKey.length !== OWNER_KEY_BYTES) return false;
  return verifyEd25519(e.publicKey, ownedSignedBytes(e.salt, e.seq, e.value), e.signature);
}
