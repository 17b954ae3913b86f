/**
 * The partition in force, as sides the views can colour: which running peers can reach each
 * other, given each peer's `partitionedFrom` (FleetPeer.faults). Pure: no React, no snapshot
 * types beyond the fields it reads, so it is tested on its own.
 */

/** What the computation needs to know about one managed peer. */
export interface PartitionInput {
  name: string;
  /** The controller runs it (a paused peer still runs: it is SIGSTOPped, not gone). */
  running: boolean;
  /** Names of the peers it cannot reach. */
  partitionedFrom: readonly string[];
}

export interface PartitionLayout {
  /**
   * Groups of running peers that reach each other (connected groups of the "neither lists the
   * other" relation), among the peers a cut touches. Names in numeric order within a side,
   * sides ordered by their first name. Empty when no cut is in force.
   */
  sides: string[][];
  /** Running peers no cut touches: they reach every side. */
  bridges: string[];
  /** Every pair that cannot reach each other (either lists the other), each pair in order. */
  cuts: [string, string][];
}

const byName = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

/**
 * Sides of the partition in force. Two running peers are linked when neither lists the other
 * in `partitionedFrom`; a side is a connected group of linked peers. Peers no cut touches are
 * left out of the sides (as `bridges`): they reach everyone, and would otherwise join the
 * sides of a partition that was built with some peers on neither side into one group.
 * Peers that are not running, and names no running peer has, are ignored.
 */
export function partitionLayout(peers: readonly PartitionInput[]): PartitionLayout {
  const running = peers.filter((p) => p.running);
  const names = new Set(running.map((p) => p.name));
  const cutOff = new Map(running.map((p) => [p.name, new Set(p.partitionedFrom.filter((n) => names.has(n) && n !== p.name))]));
  const cut = (a: string, b: string) => !!cutOff.get(a)?.has(b) || !!cutOff.get(b)?.has(a);

  const cuts: [string, string][] = [];
  const touched = new Set<string>();
  const sorted = [...names].sort(byName);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const a = sorted[i]!, b = sorted[j]!;
      if (cut(a, b)) { cuts.push([a, b]); touched.add(a); touched.add(b); }
    }
  }

  const sides: string[][] = [];
  const seen = new Set<string>();
  for (const start of sorted) {
    if (!touched.has(start) || seen.has(start)) continue;
    const side: string[] = [];
    const queue = [start];
    seen.add(start);
    while (queue.length) {
      const a = queue.shift()!;
      side.push(a);
      for (const b of sorted) {
        if (touched.has(b) && !seen.has(b) && !cut(a, b)) { seen.add(b); queue.push(b); }
      }
    }
    sides.push(side.sort(byName));
  }
  return { sides, bridges: sorted.filter((n) => !touched.has(n)), cuts };
}

/** Index of the side `name` is on, or -1 (a bridge, not running, or no partition). */
export function sideIndex(layout: PartitionLayout, name: string | undefined): number {
  return name === undefined ? -1 : layout.sides.findIndex((s) => s.includes(name));
}

/** True when `a` and `b` cannot reach each other. */
export function isCut(layout: PartitionLayout, a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const [x, y] = byName(a, b) <= 0 ? [a, b] : [b, a];
  return layout.cuts.some(([p, q]) => p === x && q === y);
}

/** "peer-0, peer-1 | peer-2, peer-3, peer-4". */
export function describeSides(layout: PartitionLayout): string {
  return layout.sides.map((s) => s.join(", ")).join(" | ");
}
