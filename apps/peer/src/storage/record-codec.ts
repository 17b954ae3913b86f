/**
 * Binary layout of a record value in LMDB. The key is the LMDB key, so it is not repeated.
 * A fixed header lets list() read a record's version and size without copying its value.
 *
 *   offset 0   u8      format (1)
 *          1   u8      flags (bit 0: tombstone, bit 1: writer proof follows the writer,
 *                      bit 2: a batch proof's audit path follows the proof)
 *          2   f64 LE  version.wallMs   (f64: exact for integers up to 2^53, like the JS number)
 *         10   f64 LE  version.logical
 *         18   u8      writer length n (bytes of UTF-8, ≤ 255)
 *         19   n       writer
 *     19 + n   32 + 64 writer proof: public key, signature (only with flag bit 1)
 *          …   1 + 33s audit path: its step count s, then s steps (only with flag bit 2)
 *          …   …       value
 * Records of older runs have no proof bit: they decode as before.
 */
import type { DhtRecord, Version, WriterProof } from "@p2p/dht";

const FORMAT = 1;
const FLAG_TOMBSTONE = 1;
const FLAG_PROOF = 2;
const FLAG_PATH = 4;
const PATH_STEP = 33;
const PROOF_BYTES = 32 + 64;
const FIXED_HEADER = 19;

export interface DecodedHeader {
  version: Version;
  tombstone: boolean;
  proof?: WriterProof;
  /** Byte offset where the value starts. */
  valueOffset: number;
}

/** Encodes a record's version, flag and value (not its key). Throws on a writer longer than 255 bytes. */
export function encodeRecordValue(record: DhtRecord): Uint8Array {
  const writer = Buffer.from(record.version.writer, "utf8");
  if (writer.length > 255) throw new RangeError(`version.writer: at most 255 bytes, got ${writer.length}`);
  const proof = record.proof;
  if (proof && (proof.publicKey.length !== 32 || proof.signature.length !== 64)) throw new RangeError("proof: a 32-byte key and a 64-byte signature expected");
  const path = proof?.path;
  if (path && (path.length % PATH_STEP !== 0 || path.length / PATH_STEP > 255)) throw new RangeError("proof.path: whole steps of 33 bytes, at most 255, expected");
  const pathBytes = path ? 1 + path.length : 0;
  const valueOffset = FIXED_HEADER + writer.length + (proof ? PROOF_BYTES : 0) + pathBytes;
  const out = Buffer.allocUnsafe(valueOffset + record.value.length);
  out[0] = FORMAT;
  out[1] = (record.tombstone ? FLAG_TOMBSTONE : 0) | (proof ? FLAG_PROOF : 0) | (path ? FLAG_PATH : 0);
  out.writeDoubleLE(record.version.wallMs, 2);
  out.writeDoubleLE(record.version.logical, 10);
  out[18] = writer.length;
  writer.copy(out, FIXED_HEADER);
  if (proof) {
    out.set(proof.publicKey, FIXED_HEADER + writer.length);
    out.set(proof.signature, FIXED_HEADER + writer.length + 32);
  }
  if (path) {
    out[FIXED_HEADER + writer.length + PROOF_BYTES] = path.length / PATH_STEP;
    out.set(path, FIXED_HEADER + writer.length + PROOF_BYTES + 1);
  }
  out.set(record.value, valueOffset);
  return out;
}

/** Reads the header of a stored value; throws when the bytes are not in a known format. */
export function decodeRecordHeader(bytes: Uint8Array): DecodedHeader {
  if (bytes.length < FIXED_HEADER || bytes[0] !== FORMAT) {
    throw new Error(`stored record: unknown format ${bytes[0]} (length ${bytes.length})`);
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Damaged bytes that happen to start with the format byte must not pass as a version: a
  // NaN or negative clock would win or lose every comparison and never be repaired.
  if ((buf[1]! & ~(FLAG_TOMBSTONE | FLAG_PROOF | FLAG_PATH)) !== 0 || (buf[1]! & (FLAG_PROOF | FLAG_PATH)) === FLAG_PATH) throw new Error(`stored record: unknown flags 0x${buf[1]!.toString(16)}`);
  const wallMs = buf.readDoubleLE(2);
  const logical = buf.readDoubleLE(10);
  if (!(Number.isFinite(wallMs) && wallMs >= 0 && Number.isFinite(logical) && logical >= 0)) {
    throw new Error(`stored record: impossible version ${wallMs}.${logical}`);
  }
  const writerLength = buf[18]!;
  const writerEnd = FIXED_HEADER + writerLength;
  const hasProof = (buf[1]! & FLAG_PROOF) !== 0;
  const proofEnd = writerEnd + (hasProof ? PROOF_BYTES : 0);
  const hasPath = (buf[1]! & FLAG_PATH) !== 0;
  if (buf.length < proofEnd + (hasPath ? 1 : 0)) throw new Error("stored record: truncated writer or proof");
  const pathEnd = hasPath ? proofEnd + 1 + buf[proofEnd]! * PATH_STEP : proofEnd;
  const valueOffset = pathEnd;
  if (buf.length < valueOffset) throw new Error("stored record: truncated audit path");
  const header: DecodedHeader = {
    tombstone: (buf[1]! & FLAG_TOMBSTONE) !== 0,
    version: { wallMs, logical, writer: buf.toString("utf8", FIXED_HEADER, writerEnd) },
    valueOffset,
  };
  if (hasProof) header.proof = { publicKey: bytes.slice(writerEnd, writerEnd + 32), signature: bytes.slice(writerEnd + 32, proofEnd) };
  if (hasPath) header.proof!.path = bytes.slice(proofEnd + 1, pathEnd);
  return header;
}

/** Decodes a full record. The value is a view into `bytes`, which callers must not reuse. */
export function decodeRecordValue(key: string, bytes: Uint8Array): DhtRecord {
  const { version, tombstone, valueOffset, proof } = decodeRecordHeader(bytes);
  return { key, value: bytes.subarray(valueOffset), version, tombstone, ...(proof ? { proof } : {}) };
}
