/**
 * A small seeded PRNG (sfc32, seeded from SHA-256 of the seed) so that simulations are
 * reproducible: the same seed gives the same node IDs, samples, failures and keys.
 * Not for anything security-related.
 */
import { createHash } from "node:crypto";
import type { NodeId } from "../types.js";

/** A source of floats in [0, 1), like Math.random, plus helpers drawn from it. */
export interface SeededRandom {
  (): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** A uniformly random 256-bit ID. */
  nodeId(): NodeId;
  /** `count` distinct integers from [0, n), in draw order (all of them, shuffled, when count ≥ n). */
  sample(n: number, count: number): number[];
}

/** A deterministic generator for `seed` (any string or number). */
export function seededRandom(seed: string | number): SeededRandom {
  const h = createHash("sha256").update(`sim:${seed}`).digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  const next = (): number => {
    // sfc32 (Chris Doty-Humphrey's small fast counter): passes PractRand, 32-bit state words.
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const out = (t + d) | 0;
    c = (c + out) | 0;
    return (out >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // mix the seed into the state
  const rand = next as SeededRandom;
  rand.int = (n) => Math.floor(next() * n);
  rand.nodeId = () => {
    let s = "";
    for (let i = 0; i < 8; i++) s += Math.floor(next() * 4294967296).toString(16).padStart(8, "0");
    return s;
  };
  rand.sample = (n, count) => {
    if (count >= n) {
      const all = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = rand.int(i + 1);
        [all[i], all[j]] = [all[j]!, all[i]!];
      }
      return all;
    }
    const picked = new Set<number>();
    const out: number[] = [];
    while (out.length < count) {
      const i = rand.int(n);
      if (!picked.has(i)) (picked.add(i), out.push(i));
    }
    return out;
  };
  return rand;
}
