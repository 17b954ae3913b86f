/**
 * Owned records, in the manner of BitTorrent's BEP 44 mutable items: a value published under
 * an Ed25519 public key (and an optional salt) with a sequence number and a signature over
 * (salt, seq, value). This file is the wire format, in one place: the key an owner's record
 * lives under, the bytes a signature covers, and the envelope stored as the record's value.
 * Signing and checking are owned-signature.ts; the record type is owned-records.ts.
 */
import { createHash } from "node:crypto";

/** Every owned record's key starts with this; the rest is the hex SHA-256 of (public key, salt). */
export const OWNED_PREFIX = "owned/";
export const OWNER_KEY_BYTES = 32;
export const OWNED_SIGNATURE_BYTES = 64;
/**
 * Longest salt, in bytes. A protocol constant, not a peer setting: every replica must agree on
 * what a valid record is, or repair would push records some holders refuse forever. 64 is BEP 44's.
 */
export const MAX_SALT_BYTES = 64;
/** Largest seq: versions carry it as a safe integer (Version.wallMs). */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** Envelope layout version; a first byte that is not this is refused, so the format can change. */
const ENVELOPE_V1 = 1;
/** Bytes of an envelope around its value: format, public key, signature, seq, salt length, salt. */
export const ENVELOPE_OVERHEAD = 1 + OWNER_KEY_BYTES + OWNED_SIGNATURE_BYTES + 8 + 1 + MAX_SALT_BYTES;

/** Domain separation: a signature over these bytes can never pass for another signed structure. */
const SIGNED_DOMAIN = new TextEncoder().encode("p2p.v1.OwnedRecord\0");

/** One owned record's content, as stored, sent and signed. */
export interface OwnedEnvelope {
  /** Raw 32-byte Ed25519 public key of the owner. */
  publicKey: Uint8Array;
  /** 0 to 64 bytes; one owner publishes one record per salt. */
  salt: Uint8Array;
  /** Higher wins; an integer from 0 to 2^53 - 1. */
  seq: number;
  /** 64-byte Ed25519 signature over ownedSignedBytes(salt, seq, value). */
  signature: Uint8Array;
  value: Uint8Array;
}

/**
 * The record key of an owner's record: `owned/` + hex SHA-256(public key || salt). The key is
 * self-certifying: a record under it can only carry that public key and salt, so a forger
 * cannot claim another owner's key, and readers find it from the public key alone. The public
 * key has a fixed length, so the concatenation is unambiguous (as BEP 44's SHA-1 target).
 */
export function ownedKey(publicKey: Uint8Array, salt: Uint8Array = new Uint8Array(0)): string {
  return OWNED_PREFIX + createHash("sha256").update(publicKey).update(salt).digest("hex");
}

/**
 * The bytes a signature covers: the domain prefix, the salt as a 4-byte big-endian length and
 * its bytes, the seq as an 8-byte big-endian integer, the value as a length and its bytes
 * (length prefixes make the encoding unambiguous, as canonicalContactBytes in apps/peer).
 */
export function ownedSignedBytes(salt: Uint8Array, seq: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(SIGNED_DOMAIN.length + 4 + salt.length + 8 + 4 + value.length);
  const view = new DataView(out.buffer);
  let at = 0;
  out.set(SIGNED_DOMAIN, at);
  at += SIGNED_DOMAIN.length;
  view.setUint32(at, salt.length);
  out.set(salt, at + 4);
  at += 4 + salt.length;
  view.setBigUint64(at, BigInt(seq));
  at += 8;
  view.setUint32(at, value.length);
  out.set(value, at + 4);
  return out;
}

/** Why these fields cannot make an envelope (naming the field), or undefined. */
export function envelopeFieldProblem(e: OwnedEnvelope): string | undefined {
  if (e.publicKey.length !== OWNER_KEY_BYTES) return `publicKey: must be ${OWNER_KEY_BYTES} bytes, got ${e.publicKey.length}`;
  if (e.salt.length > MAX_SALT_BYTES) return `salt: at most ${MAX_SALT_BYTES} bytes, got ${e.salt.length}`;
  if (!Number.isSafeInteger(e.seq) || e.seq < 0) return `seq: must be an integer from 0 to ${MAX_SEQ}, got ${String(e.seq)}`;
  if (e.signature.length !== OWNED_SIGNATURE_BYTES) return `signature: must be ${OWNED_SIGNATURE_BYTES} bytes, got ${e.signature.length}`;
  return undefined;
}

/**
 * The stored form: format byte, public key (32), signature (64), seq (8, big-endian), salt
 * length (1), salt, then the value to the end. Fixed fields first, so a reader finds the
 * value without parsing anything variable but the salt's length.
 * @throws Error naming the field when a field is out of range.
 */
export function encodeOwnedEnvelope(e: OwnedEnvelope): Uint8Array {
  const problem = envelopeFieldProblem(e);
  if (problem) throw new Error(problem);
  const out = new Uint8Array(1 + OWNER_KEY_BYTES + OWNED_SIGNATURE_BYTES + 8 + 1 + e.salt.length + e.value.length);
  const view = new DataView(out.buffer);
  out[0] = ENVELOPE_V1;
  out.set(e.publicKey, 1);
  out.set(e.signature, 1 + OWNER_KEY_BYTES);
  let at = 1 + OWNER_KEY_BYTES + OWNED_SIGNATURE_BYTES;
  view.setBigUint64(at, BigInt(e.seq));
  at += 8;
  out[at] = e.salt.length;
  out.set(e.salt, at + 1);
  out.set(e.value, at + 1 + e.salt.length);
  return out;
}

/**
 * The envelope in a stored value; its byte arrays are views of `bytes`.
 * @throws Error naming what is wrong (truncated, unknown format, seq or salt out of range).
 */
export function decodeOwnedEnvelope(bytes: Uint8Array): OwnedEnvelope {
  const fixed = 1 + OWNER_KEY_BYTES + OWNED_SIGNATURE_BYTES + 8 + 1;
  if (bytes.length < fixed) throw new Error(`owned envelope: ${bytes.length} bytes is shorter than its ${fixed}-byte header`);
  if (bytes[0] !== ENVELOPE_V1) throw new Error(`owned envelope: unknown format ${bytes[0]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seq = view.getBigUint64(1 + OWNER_KEY_BYTES + OWNED_SIGNATURE_BYTES);
  if (seq > BigInt(MAX_SEQ)) throw new Error(`owned envelope: seq ${seq} exceeds ${MAX_SEQ}`);
  const saltLength = bytes[fixed - 1]!;
  if (saltLength > MAX_SALT_BYTES) throw new Error(`owned envelope: salt of ${saltLength} bytes exceeds ${MAX_SALT_BYTES}`);
  if (bytes.length < fixed + saltLength) throw new Error(`owned envelope: truncated in its salt`);
  return {
    publicKey: bytes.subarray(1, 1 + OWNER_KEY_BYTES),
    signature: bytes.subarray(1 + OWNER_KEY_BYTES, 1 + OWNER_KEY_BYTES + OWNED_SIGNATURE_BYTES),
    seq: Number(seq),
    salt: bytes.subarray(fixed, fixed + saltLength),
    value: bytes.subarray(fixed + saltLength),
  };
}
