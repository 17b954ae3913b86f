/**
 * The public API's owned-record fields, from the wire (hex and UTF-8 strings, uint64 seqs) to
 * the core's envelope: every outside input checked here with an error naming the field.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { MAX_SALT_BYTES, MAX_SEQ, OWNED_SIGNATURE_BYTES, OWNER_KEY_BYTES, type OwnedEnvelope } from "@p2p/dht";

const toUtf8 = new TextEncoder();

function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

/** Lowercase (or uppercase) hex of exactly `bytes` bytes. */
export function hexField(field: string, value: string, bytes: number): Uint8Array {
  if (value.length !== bytes * 2 || !/^[0-9a-fA-F]*$/.test(value)) throw invalid(`${field}: must be ${bytes * 2} hex characters (${bytes} bytes), got ${value.length === 0 ? "nothing" : `${JSON.stringify(value.slice(0, 16))}${value.length > 16 ? "…" : ""} (${value.length} characters)`}`);
  return new Uint8Array(Buffer.from(value, "hex"));
}

export function publicKeyField(value: string, field = "public_key"): Uint8Array {
  return hexField(field, value, OWNER_KEY_BYTES);
}

/** A salt as UTF-8 text of at most 64 bytes. */
export function saltField(value: string, field = "salt"): Uint8Array {
  const bytes = toUtf8.encode(value);
  if (bytes.length > MAX_SALT_BYTES) throw invalid(`${field}: at most ${MAX_SALT_BYTES} bytes of UTF-8, got ${bytes.length}`);
  return bytes;
}

/** A seq (or cas) from a uint64 or a JSON number: an integer from 0 to 2^53 - 1. */
export function seqField(field: string, value: bigint | number | unknown): number {
  const n = typeof value === "bigint" ? (value <= BigInt(MAX_SEQ) ? Number(value) : Number.NaN) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) throw invalid(`${field}: must be an integer from 0 to ${MAX_SEQ}, got ${String(value)}`);
  return n;
}

/** The envelope a PutOwned (Connect or REST) carries. */
export function envelopeOf(f: { publicKey: string; salt: string; seq: bigint | number; signature: string; value: string }, names = { publicKey: "public_key", signature: "signature" }): OwnedEnvelope {
  return {
    publicKey: publicKeyField(f.publicKey, names.publicKey),
    salt: saltField(f.salt),
    seq: seqField("seq", f.seq),
    signature: hexField(names.signature, f.signature, OWNED_SIGNATURE_BYTES),
    value: toUtf8.encode(f.value),
  };
}

/** Reads a JSON body's field of `type`, or undefined when absent; a wrong type names the field. */
export function jsonField<T extends "string" | "number">(body: Record<string, unknown>, name: string, type: T, required: boolean): (T extends "string" ? string : number) | undefined {
  const v = body[name];
  if (v === undefined || v === null) {
    if (required) throw invalid(`${name}: is required`);
    return undefined;
  }
  if (typeof v !== type) throw invalid(`${name}: expected a ${type}, got ${Array.isArray(v) ? "array" : typeof v}`);
  return v as T extends "string" ? string : number;
}
