/**
 * Hand-off: a record this peer holds without being among its R closest any more (a closer peer
 * joined) goes to its R closest, and is dropped here once all of them hold that version.
 */
import { forEachBounded } from "./bounded.js";
import { pushTo } from "./push.js";
import type { RepairContext } from "./repair-context.js";
import { replicaSet, type ReplicaView } from "./replica-view.js";

export async function handOff(c: RepairContext, view: ReplicaView, budget: { left: number }, under: Set<string>): Promise<void> {
  if (view.handoff.length === 0) return;
  const r = c.replication().replicationFactor;
  const keys = view.handoff.slice(0, Math.max(0, budget.left));
  budget.left -= keys.length;
  await forEachBounded(keys, c.settings.options.maxConcurrentTransfers, async (key) => {
    const e = c.store.entry(key);
    if (!e || !c.records.repairable({ key, ...e })) return;
    const targets = replicaSet(c.self, c.router, e.position, r);
    if (targets.some((t) => t.id === c.self.id) || targets.length < r) return;
    const record = await c.records.read(key);
    if (!record) return;
    const live = targets.filter((t) => !c.backoff.backedOff(t.id));
    const confirmed = await pushTo(c, live, record);
    if (confirmed === r && (await c.records.removeIfVersion(key, record.version))) c.counters.recordsDropped++;
    else under.add(key);
  });
}
