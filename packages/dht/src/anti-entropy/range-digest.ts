/**
 * Digests of record sets for anti-entropy ("hashed ranges", as Cassandra's repair does): a set
 * of (key, version) pairs is split into LEAF_COUNT leaves by the last byte of each record's
 * position, a leaf's hash is the XOR of its records' hashes and the root the XOR of the leaves.
 *
 * Why these choices: positions are SHA-256 outputs, so their last byte spreads records evenly
 * over the leaves even though the records two neighbours share all have a long common prefix
 * (under XOR they sit in one small region of the ring; prefix buckets would put them all in
 * one leaf). XOR makes adding or removing one record O(1), and equal sets always give equal
 * digests whatever order they were built in. XOR of SHA-256 hashes is not collision-resistant
 * against a peer choosing keys adversarially; a collision only delays a repair until the set
 * changes again, it cannot corrupt data.
 */
import { sha256 } from "../sha256.js";
import type { NodeId, Version } from "../types.js";

/** Leaves per digest: 64 × 32 bytes = 2 KiB answered on a mismatch; ~1.5 % of a set re-listed per differing record. */
export const LEAF_COUNT = 64;
export const HASH_BYTES = 32;

/** The hash a record contributes to its leaf: covers key, version and tombstone flag (not the value, which the version names). */
export function recordHash(key: string, version: Version, tombstone: boolean): Buffer {
  return sha256(`${key}\n${version.wallMs}.${version.logical}.${version.writer}.${tombstone ? "t" : "v"}`);
}

/** Leaf index of a position (64 hex characters): its last byte modulo LEAF_COUNT. */
export function leafOf(position: NodeId): number {
  return parseInt(position.slice(-2), 16) % LEAF_COUNT;
}

function xorInto(target: Buffer, source: Uint8Array): void {
  for (let i = 0; i < HASH_BYTES; i++) target[i]! ^= source[i]!;
}

/** A digest under construction or cached: leaves, record count and the keys per leaf. */
export class RangeDigest {
  readonly leaves: Buffer[] = Array.from({ length: LEAF_COUNT }, () => Buffer.alloc(HASH_BYTES));
  /** Keys per leaf (unsorted), so SyncKeys can answer without another scan. */
  readonly keys: string[][] = Array.from({ length: LEAF_COUNT }, () => []);
  count = 0;
  #root: Buffer | undefined;

  add(key: string, leaf: number, hash: Uint8Array): void {
    xorInto(this.leaves[leaf]!, hash);
    this.keys[leaf]!.push(key);
    this.count++;
    this.#root = undefined;
  }

  root(): Buffer {
    if (!this.#root) {
      const root = Buffer.alloc(HASH_BYTES);
      for (const leaf of this.leaves) xorInto(root, leaf);
      this.#root = root;
    }
    return this.#root;
  }

  /** True when `root` and `count` describe the same set as this digest. */
  matches(root: Uint8Array, count: number): boolean {
    return count === this.count && Buffer.compare(this.root(), root) === 0;
  }

  /** Leaf indices whose hash differs from `other` (which must hold LEAF_COUNT hashes of HASH_BYTES). */
  differingLeaves(other: readonly Uint8Array[]): number[] {
    const out: number[] = [];
    for (let i = 0; i < LEAF_COUNT; i++) if (Buffer.compare(this.leaves[i]!, other[i]!) !== 0) out.push(i);
    return out;
  }

  /** Keys of the given leaves in ascending order. */
  keysOf(leaves: Iterable<number>): string[] {
    const out: string[] = [];
    for (const l of leaves) out.push(...(this.keys[l] ?? []));
    return out.sort();
  }
}

/** An empty digest: what a peer answers for a neighbour with which it shares no record. */
export const EMPTY_DIGEST = new RangeDigest();

/** Checks leaves received from another peer: exactly LEAF_COUNT hashes of HASH_BYTES bytes. */
export function validLeaves(leaves: readonly Uint8Array[]): boolean {
  return leaves.length === LEAF_COUNT && leaves.every((l) => l instanceof Uint8Array && l.byteLength === HASH_BYTES);
}
