/**
 * Writer proofs: a clocked record (a plain value or its tombstone) carries its writer's Ed25519
 * signature over the key, the version, the tombstone flag and the value's SHA-256, with the
 * writer's public key, whose SHA-256 is the writer's peer ID. Every replica and reader checks
 * it wherever the record comes from (a Store, an anti-entropy pull, a read), and repair moves
 * the record with its proof, so a relayed copy verifies as the original did. Without it the
 * writer field was anybody's word: a peer could Store a value or a tombstone "written by"
 * another peer, with a version chosen to beat the real one.
 *
 * What it does not stop: a peer writing an open key under its own ID (that is what open keys
 * are; owned records are the protected kind).
 */
import { createHash } from "node:crypto";
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, verifyEd25519 } from "./ed25519.js";
import type { DhtRecord, NodeId, WriterProof } from "../types.js";

const DOMAIN = Buffer.from("p2p.v1.RecordWrite\0");

/** Signs and checks writer proofs; a node without one neither signs nor checks (in-memory tests). */
export interface WriterProofs {
  /** `record` (written by this node: its writer is this node's ID) with its proof. */
  sign(record: DhtRecord): DhtRecord;
  /** Why `record`'s proof does not show that its writer wrote it, or undefined. */
  problem(record: DhtRecord): string | undefined;
}

/**
 * The bytes a writer signs: the domain, the key (4-byte length, UTF-8), wallMs and logical
 * (8 bytes each, big-endian), the writer ID (64 ASCII hex), the tombstone flag (1 byte) and
 * the value's SHA-256: everything that decides what a replica keeps and serves.
 */
export function writerSignedBytes(record: DhtRecord): Uint8Array {
  const key = Buffer.from(record.key, "utf8");
  const head = Buffer.alloc(4 + key.length + 16);
  head.writeUInt32BE(key.length, 0);
  key.copy(head, 4);
  head.writeBigUInt64BE(BigInt(Math.trunc(record.version.wallMs)), 4 + key.length);
  head.writeBigUInt64BE(BigInt(Math.trunc(record.version.logical)), 12 + key.length);
  const digest = createHash("sha256").update(record.value).digest();
  return Buffer.concat([DOMAIN, head, Buffer.from(record.version.writer, "latin1"), Buffer.from([record.tombstone ? 1 : 0]), digest]);
}

/** Writer proofs of a node whose identity is `self` (its ID, raw public key, and a signer over raw bytes). */
export function ed25519WriterProofs(self: { id: NodeId; publicKey: Uint8Array; sign(data: Uint8Array): Uint8Array }): WriterProofs {
  const verified = new Map<string, boolean>(); // a small cache: anti-entropy sees the same records again and again
  return {
    sign(record) {
      if (record.version.writer !== self.id) throw new Error(`writer proof: record written by ${record.version.writer}, not by this node (${self.id})`);
      const proof: WriterProof = { publicKey: self.publicKey, signature: self.sign(writerSignedBytes(record)) };
      return { ...record, proof };
    },
    problem(record) {
      const proof = record.proof;
      if (!proof) return "missing: a record must carry its writer's signature";
      if (proof.publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return `publicKey: must be ${ED25519_PUBLIC_KEY_BYTES} bytes, got ${proof.publicKey.length}`;
      if (proof.signature.length !== ED25519_SIGNATURE_BYTES) return `signature: must be ${ED25519_SIGNATURE_BYTES} bytes, got ${proof.signature.length}`;
      if (createHash("sha256").update(proof.publicKey).digest("hex") !== record.version.writer) return "publicKey: is not the key of version.writer";
      const bytes = writerSignedBytes(record);
      const memo = createHash("sha256").update(bytes).update(proof.signature).digest("base64");
      let ok = verified.get(memo);
      if (ok === undefined) {
        ok = verifyEd25519(proof.publicKey, bytes, proof.signature);
        if (verified.size >= 4096) verified.clear();
        verified.set(memo, ok);
      }
      return ok ? undefined : "signature: does not verify (not signed by version.writer, or the record was changed)";
    },
  };
}
