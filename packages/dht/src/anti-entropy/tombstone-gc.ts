/**
 * Tombstone collection: a delete's tombstone is kept `tombstoneGraceMs` (many repair rounds),
 * so every replica has received it before it goes and a replica that missed the delete cannot
 * bring the value back; then it is removed, and never pushed or pulled again.
 */
import type { DhtRecord } from "../types.js";
import type { RepairContext } from "./repair-context.js";

/** A tombstone past its grace period: collected, never pushed or pulled. */
export function expired(c: RepairContext, e: { tombstone: boolean; version: { wallMs: number } }): boolean {
  return e.tombstone && e.version.wallMs < c.clock.now() - c.settings.options.tombstoneGraceMs;
}

/** Removes expired tombstones, at most `budget.left` of them. */
export async function collectTombstones(c: RepairContext, budget: { left: number }): Promise<void> {
  const cutoff = c.clock.now() - c.settings.options.tombstoneGraceMs;
  const due: [string, DhtRecord["version"]][] = [];
  for (const key of c.store.tombstoneKeys()) {
    const e = c.store.entry(key);
    if (e && e.version.wallMs < cutoff) due.push([key, e.version]);
    if (due.length >= budget.left) break;
  }
  budget.left -= due.length;
  for (const [key, version] of due) {
    if (await c.records.removeIfVersion(key, version)) c.counters.tombstonesCollected++;
  }
}
