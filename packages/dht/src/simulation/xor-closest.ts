/** The true closest ID to a target among all the simulated nodes, to judge what a lookup found. */

/** First index in [lo, hi) of an ascending array whose value is ≥ x. */
function lowerBound(sorted: readonly bigint[], x: bigint, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The XOR-closest of an ascending array of IDs to `target`: walk the binary trie the array spans. */
export function xorClosest(sorted: readonly bigint[], target: bigint): bigint {
  let lo = 0;
  let hi = sorted.length;
  let prefix = 0n;
  for (let bit = 255n; bit >= 0n && hi - lo > 1; bit--) {
    const one = prefix | (1n << bit);
    const mid = lowerBound(sorted, one, lo, hi);
    const wantOne = ((target >> bit) & 1n) === 1n;
    // Prefer the half that matches the target's bit; take the other only when it is empty.
    if (wantOne ? mid < hi : mid === lo) {
      lo = mid;
      prefix = one;
    } else {
      hi = mid;
    }
  }
  return sorted[lo]!;
}
