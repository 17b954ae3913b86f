/**
 * Ring geometry under the XOR metric, on a list of peer IDs sorted ascending (sorted hex
 * IDs are the leaves of a binary trie in order, so every trie node is a contiguous slice).
 *
 * Which peer "owns" a position: the one XOR-closest to it. That region is NOT always one
 * arc: when a trie node's peers all sit in one half, positions in the empty half are owned
 * by whoever owns the mirror position (the same position with that bit flipped) in the full
 * half, so ownership repeats there. `ownershipSegments` computes this exactly down to a
 * drawing resolution; `ownedFractions` computes each peer's exact share of the ring.
 */
import { bitAt } from "./ids";

/** A stretch of the ring [start, end) (fractions of the ring) owned by peers[owner]. */
export interface RingSegment {
  start: number;
  end: number;
  owner: number;
}

/** Index of the first ID in sorted[lo, hi) whose bit `depth` is 1 (the slice shares all higher bits). */
function splitPoint(sorted: readonly string[], lo: number, hi: number, depth: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const m = (a + b) >> 1;
    if (bitAt(sorted[m]!, depth) === 0) a = m + 1;
    else b = m;
  }
  return a;
}

/**
 * The ring partitioned by XOR-closest peer, for drawing. `sorted` must be ascending and
 * without duplicates. Below `resolutionBits` (default 14: 1/16384 of the ring, under a pixel
 * on any screen) a range shared by several peers is split evenly among them. Adjacent
 * segments of the same owner are merged. Returns [] for no peers.
 */
export function ownershipSegments(sorted: readonly string[], resolutionBits = 14): RingSegment[] {
  if (sorted.length === 0) return [];
  const out: RingSegment[] = [];
  const push = (s: RingSegment) => {
    const last = out[out.length - 1];
    if (last && last.owner === s.owner && Math.abs(last.end - s.start) < 1e-15) last.end = s.end;
    else out.push({ ...s });
  };
  // Segments of the subtree at `depth` covering [start, start + width), relative order kept.
  const walk = (lo: number, hi: number, depth: number, start: number, width: number): RingSegment[] => {
    const n = hi - lo;
    if (n === 1) return [{ start, end: start + width, owner: lo }];
    if (depth >= resolutionBits || depth >= 256) {
      const part = width / n;
      return Array.from({ length: n }, (_, i) => ({ start: start + i * part, end: start + (i + 1) * part, owner: lo + i }));
    }
    const mid = splitPoint(sorted, lo, hi, depth);
    const half = width / 2;
    if (mid > lo && mid < hi) {
      return [...walk(lo, mid, depth + 1, start, half), ...walk(mid, hi, depth + 1, start + half, half)];
    }
    // All peers in one half: the empty half mirrors the full one (flip this bit).
    const fullIsLow = mid === hi;
    const full = walk(lo, hi, depth + 1, fullIsLow ? start : start + half, half);
    const mirrored = full.map((s) => ({ ...s, start: s.start + (fullIsLow ? half : -half), end: s.end + (fullIsLow ? half : -half) }));
    return fullIsLow ? [...full, ...mirrored] : [...mirrored, ...full];
  };
  for (const s of walk(0, sorted.length, 0, 0, 1)) push(s);
  return out;
}

/** Each peer's exact share of the ring (sums to 1), same order as `sorted`. */
export function ownedFractions(sorted: readonly string[]): number[] {
  const share = new Array<number>(sorted.length).fill(0);
  // Mirroring an empty half doubles every share inside the full half: carry that factor down.
  const walk = (lo: number, hi: number, depth: number, width: number) => {
    if (hi - lo === 1 || depth >= 256) {
      for (let i = lo; i < hi; i++) share[i]! += width / (hi - lo);
      return;
    }
    const mid = splitPoint(sorted, lo, hi, depth);
    if (mid > lo && mid < hi) {
      walk(lo, mid, depth + 1, width / 2);
      walk(mid, hi, depth + 1, width / 2);
    } else {
      walk(lo, hi, depth + 1, width);
    }
  };
  if (sorted.length) walk(0, sorted.length, 0, 1);
  return share;
}

/**
 * Indices (into `sorted`) of the `n` IDs XOR-closest to `target`, closest first: a trie
 * walk that always takes the half sharing the target's next bit first. O(n · 256) at worst,
 * about n · log2(peers) in practice, with no BigInt.
 */
export function closestIndices(sorted: readonly string[], target: string, n: number): number[] {
  const out: number[] = [];
  const walk = (lo: number, hi: number, depth: number) => {
    if (out.length >= n || lo >= hi) return;
    if (hi - lo === 1 || depth >= 256) {
      for (let i = lo; i < hi && out.length < n; i++) out.push(i);
      return;
    }
    const mid = splitPoint(sorted, lo, hi, depth);
    if (bitAt(target, depth) === 0) {
      walk(lo, mid, depth + 1);
      walk(mid, hi, depth + 1);
    } else {
      walk(mid, hi, depth + 1);
      walk(lo, mid, depth + 1);
    }
  };
  walk(0, sorted.length, 0);
  return out;
}
