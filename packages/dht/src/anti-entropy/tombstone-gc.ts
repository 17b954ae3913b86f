/**
 * Tombstone collection. A delete's tombstone is kept at least `tombstoneGraceMs` (10 days by
 * default, like Cassandra's gc_grace_seconds), and then only collected once every other peer of
 * its replica set has shown, on a read, that it holds the tombstone (or something newer):
 * removing it earlier would let a replica that missed the delete serve the old value again.
 * A replica that lacks it is sent it and asked again next round. What remains of a collected
 * delete is a small entry in LocalRecords.deletes that refuses older versions of the key, so a
 * peer returning with the value after every tombstone is gone cannot bring it back either.
 */
import type { DhtRecord } from "../types.js";
import { compareVersions } from "../records/version.js";
import { forEachBounded } from "./bounded.js";
import { notHolding, pushTo } from "./push.js";
import type { RepairContext } from "./repair-context.js";
import { replicaSet } from "./replica-view.js";

/** A tombstone past its grace period (a candidate for collection). */
export function expired(c: RepairContext, e: { tombstone: boolean; version: { wallMs: number } }): boolean {
  return e.tombstone && e.version.wallMs < c.clock.now() - c.settings.options.tombstoneGraceMs;
}

/** Collects expired tombstones whose replicas all hold them, at most `budget.left` examined. */
export async function collectTombstones(c: RepairContext, budget: { left: number }): Promise<void> {
  const cutoff = c.clock.now() - c.settings.options.tombstoneGraceMs;
  const due: DhtRecord[] = [];
  for (const key of c.store.tombstoneKeys()) {
    if (due.length >= budget.left) break;
    const e = c.store.entry(key);
    if (e && e.version.wallMs < cutoff) due.push({ key, value: new Uint8Array(0), version: e.version, tombstone: true });
  }
  budget.left -= due.length;
  const r = c.replication().replicationFactor;
  await forEachBounded(due, c.settings.options.maxConcurrentTransfers, async (due) => {
    const e = c.store.entry(due.key);
    if (!e) return;
    // The held tombstone itself, not one rebuilt from the index: it carries its writer's proof,
    // without which the replicas it is pushed to refuse it.
    const tombstone = await c.store.get(due.key);
    if (!tombstone?.tombstone || compareVersions(tombstone.version, due.version) !== 0) return;
    const set = replicaSet(c.self, c.router, e.position, r);
    // Not a replica any more: hand-off moves it to the replicas and drops it once they hold it.
    if (!set.some((p) => p.id === c.self.id)) return;
    const others = set.filter((p) => p.id !== c.self.id);
    const lacking = await notHolding(c, others, tombstone);
    if (lacking.length > 0) {
      c.counters.tombstonesDeferred++;
      await pushTo(c, lacking, tombstone);
      return;
    }
    if (await c.records.collect(tombstone)) c.counters.tombstonesCollected++;
  });
}
