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
import { sha256 } from "../sha256.js";
import { BatchNodes, batchSignedBytes, climb, leafHash, merkleTree, pathProblem } from "./batch-proof.js";
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, verifyEd25519 } from "./ed25519.js";
import type { DhtRecord, NodeId, WriterProof } from "../types.js";

const DOMAIN = Buffer.from("p2p.v1.RecordWrite\0");

/** Signs and checks writer proofs; a node without one neither signs nor checks (in-memory tests). */
export interface WriterProofs {
  /** `record` (written by this node: its writer is this node's ID) with its proof. */
  sign(record: DhtRecord): DhtRecord;
  /** `records` (written by this node) with one signature for all of them: a batch proof each (batch-proof.ts). */
  signMany(records: readonly DhtRecord[]): DhtRecord[];
  /** Why `record`'s proof does not show that its writer wrote it, or undefined. */
  problem(record: DhtRecord): string | undefined;
}

/**
 * The bytes a writer signs: the domain, the key (4-byte length, UTF-8), wallMs and logical
 * (8 bytes each, big-endian), the writer ID (64 ASCII hex), the tombstone flag (1 byte) and
 * the value's SHA-256: everything that decides what a replica keeps and serves.
 */
export function writerSignedBytes(record: DhtRecord): Uint8Array {
  // One buffer written in place: this runs for every record sent, received and read back.
  const keyBytes = Buffer.byteLength(record.key, "utf8");
  const out = Buffer.allocUnsafe(DOMAIN.length + 4 + keyBytes + 16 + 64 + 1 + 32);
  let at = DOMAIN.copy(out, 0);
  at = out.writeUInt32BE(keyBytes, at);
  at += out.write(record.key, at, "utf8");
  at = out.writeBigUInt64BE(BigInt(Math.trunc(record.version.wallMs)), at);
  at = out.writeBigUInt64BE(BigInt(Math.trunc(record.version.logical)), at);
  at += out.write(record.version.writer, at, "latin1");
  out[at++] = record.tombstone ? 1 : 0;
  sha256(record.value).copy(out, at);
  return out.subarray(0, at + 32);
}

/** Writer IDs of the raw public keys seen (few: the writers), so each is hashed once. */
const writerIds = new Map<string, string>();
function writerIdOf(publicKey: Uint8Array): string {
  const raw = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString("latin1");
  let id = writerIds.get(raw);
  if (id === undefined) {
    id = createHash("sha256").update(publicKey).digest("hex");
    if (writerIds.size >= 1024) writerIds.delete(writerIds.keys().next().value!);
    writerIds.set(raw, id);
  }
  return id;
}

/** Default of `WriterProofOptions.verifiedCacheSize`. */
export const DEFAULT_VERIFIED_CACHE_SIZE = 4096;

export interface WriterProofOptions {
  /**
   * Single-record signature checks remembered, least recently used forgotten first. Default
   * 4096 (~0.5 MiB): a get hears the same record from every replica it asks, anti-entropy sees
   * the same records round after round, and a peer reads back what it wrote; each Ed25519 verify
   * costs ~50 µs against two SHA-256 for the lookup. 0 turns the cache off.
   */
  verifiedCacheSize?: number;
  /** The signature check (tests count its calls). Default verifyEd25519. */
  verify?: (publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array) => boolean;
}

/**
 * Outcomes of signature checks by a digest of everything the check covered (public key, the
 * signed bytes: key, version, writer, tombstone flag, value hash; and the signature), so a
 * record differing in any of them misses and is checked afresh.
 */
export class VerifiedSignatures {
  readonly #results = new Map<string, boolean>();
  constructor(readonly maxSize: number) {}

  static keyOf(publicKey: Uint8Array, signed: Uint8Array, signature: Uint8Array): string {
    return createHash("sha256").update(publicKey).update(signed).update(signature).digest("base64");
  }

  get size(): number {
    return this.#results.size;
  }

  get(key: string): boolean | undefined {
    const ok = this.#results.get(key);
    if (ok !== undefined) {
      // Refreshed on use: the records read again and again stay.
      this.#results.delete(key);
      this.#results.set(key, ok);
    }
    return ok;
  }

  set(key: string, ok: boolean): void {
    if (this.maxSize <= 0) return;
    this.#results.delete(key);
    if (this.#results.size >= this.maxSize) this.#results.delete(this.#results.keys().next().value!);
    this.#results.set(key, ok);
  }
}

/** Writer proofs of a node whose identity is `self` (its ID, raw public key, and a signer over raw bytes). */
export function ed25519WriterProofs(self: { id: NodeId; publicKey: Uint8Array; sign(data: Uint8Array): Uint8Array }, opts: WriterProofOptions = {}): WriterProofs {
  const verify = opts.verify ?? verifyEd25519;
  const verified = new VerifiedSignatures(opts.verifiedCacheSize ?? DEFAULT_VERIFIED_CACHE_SIZE);
  const batchNodes = new BatchNodes();
  const checkOwn = (record: DhtRecord) => {
    if (record.version.writer !== self.id) throw new Error(`writer proof: record written by ${record.version.writer}, not by this node (${self.id})`);
  };
  return {
    sign(record) {
      checkOwn(record);
      const bytes = writerSignedBytes(record);
      const proof: WriterProof = { publicKey: self.publicKey, signature: self.sign(bytes) };
      // Our own signature is good: the replies of a read of what we wrote need no check.
      verified.set(VerifiedSignatures.keyOf(proof.publicKey, bytes, proof.signature), true);
      return { ...record, proof };
    },
    signMany(records) {
      if (records.length <= 1) return records.map((r) => this.sign(r));
      records.forEach(checkOwn);
      const { root, paths } = merkleTree(records.map((r) => leafHash(writerSignedBytes(r))));
      const signature = self.sign(batchSignedBytes(root));
      return records.map((r, i) => ({ ...r, proof: { publicKey: self.publicKey, signature, path: paths[i]! } }));
    },
    problem(record) {
      const proof = record.proof;
      if (!proof) return "missing: a record must carry its writer's signature";
      if (proof.publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return `publicKey: must be ${ED25519_PUBLIC_KEY_BYTES} bytes, got ${proof.publicKey.length}`;
      if (proof.signature.length !== ED25519_SIGNATURE_BYTES) return `signature: must be ${ED25519_SIGNATURE_BYTES} bytes, got ${proof.signature.length}`;
      if (writerIdOf(proof.publicKey) !== record.version.writer) return "publicKey: is not the key of version.writer";
      const bytes = writerSignedBytes(record);
      if (proof.path) {
        const problem = pathProblem(proof.path);
        if (problem) return problem;
        const under = batchNodes.scope(proof.signature);
        const nodes = climb(leafHash(bytes), proof.path, (node) => batchNodes.has(under, node));
        const top = nodes[nodes.length - 1]!;
        // The climb met a proved node, or reached the root, whose signature then decides; either
        // way every node on the way is proved.
        if (!batchNodes.has(under, top) && !verify(proof.publicKey, batchSignedBytes(top), proof.signature)) {
          return "signature: does not verify (not signed by version.writer, or the record was changed)";
        }
        batchNodes.add(under, nodes);
        return undefined;
      }
      const memo = VerifiedSignatures.keyOf(proof.publicKey, bytes, proof.signature);
      let ok = verified.get(memo);
      if (ok === undefined) {
        ok = verify(proof.publicKey, bytes, proof.signature);
        verified.set(memo, ok);
      }
      return ok ? undefined : "signature: does not verify (not signed by version.writer, or the record was changed)";
    },
  };
}
