/**
 * Hand-off: a record this peer holds without being among its R closest (a closer peer joined,
 * or this peer stood in for a replica that did not answer) goes to its R closest, and is
 * dropped here only once every one of them has been seen holding that version: each
 * acknowledged the Store, and a FindValue read back afterwards returns the version or a newer
 * one. An acknowledgement alone is a peer's word; a peer that acks and does not keep (a bug, a
 * full disk, a liar) would otherwise cost a copy every time a record moved.
 */
import { forEachBounded } from "./bounded.js";
import { notHolding, pushTo } from "./push.js";
import type { RepairContext } from "./repair-context.js";
import { replicaSet, type ReplicaView } from "./replica-view.js";

/**
 * What became of one key: dropped here after its replicas proved they hold it; `replica` (this
 * peer is one of its R closest, or the network has fewer than R peers: nothing to hand off);
 * `gone` (no longer held, or not ours to copy); `kept` (some replica did not take or prove it).
 */
export type HandOffOutcome = "dropped" | "replica" | "gone" | "kept";

/** Hands every key of the view's hand-off list (within the budget) to its replicas. */
export async function handOff(c: RepairContext, view: ReplicaView, budget: { left: number }, under: Set<string>): Promise<void> {
  if (view.handoff.length === 0) return;
  const keys = view.handoff.slice(0, Math.max(0, budget.left));
  budget.left -= keys.length;
  await forEachBounded(keys, c.settings.options.maxConcurrentTransfers, async (key) => {
    if ((await handOffKey(c, key)) === "kept") under.add(key);
  });
}

/** Hands one held key to its R closest and drops it here once they have proved they hold it. */
export async function handOffKey(c: RepairContext, key: string): Promise<HandOffOutcome> {
  const e = c.store.entry(key);
  if (!e || !c.records.repairable({ key, ...e })) return "gone";
  const r = c.replication().replicationFactor;
  const targets = replicaSet(c.self, c.router, e.position, r);
  if (targets.some((t) => t.id === c.self.id) || targets.length < r) return "replica";
  const record = await c.records.read(key);
  if (!record) return "gone";
  const live = targets.filter((t) => !c.backoff.backedOff(t.id));
  if (live.length < r || (await pushTo(c, live, record)) < r) return "kept";
  const unproven = await notHolding(c, live, record);
  if (unproven.length > 0) {
    c.counters.handOffUnproven += unproven.length;
    c.log.warn({ peers: unproven.map((p) => p.id), key }, "replicas acknowledged a hand-off but do not return the record: keeping our copy");
    return "kept";
  }
  if (!(await c.records.removeIfVersion(key, record.version))) return "kept";
  c.counters.recordsDropped++;
  return "dropped";
}
