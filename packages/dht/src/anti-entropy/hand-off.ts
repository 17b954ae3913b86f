/**
 * Hand-off: a record this peer holds without being among its R closest (a closer peer joined,
 * or this peer stood in for a replica that did not answer) goes to its R closest, and is
 * dropped here only once every one of them has been seen holding that version: each
 * acknowledged the Store, and a FindValue read back afterwards returns the version or a newer
 * one. An acknowledgement alone is a peer's word; a peer that acks and does not keep (a bug, a
 * full disk, a liar) would otherwise cost a copy every time a record moved.
 */
import { compareVersions } from "../records/version.js";
import type { Contact, DhtRecord } from "../types.js";
import { forEachBounded } from "./bounded.js";
import { pushTo } from "./push.js";
import { callOptions, type RepairContext } from "./repair-context.js";
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
  if ((await provenHolders(c, live, record)) < r) return "kept";
  if (!(await c.records.removeIfVersion(key, record.version))) return "kept";
  c.counters.recordsDropped++;
  return "dropped";
}

/** How many of `targets` answer a read of the record's key with its version or a newer one. */
async function provenHolders(c: RepairContext, targets: readonly Contact[], record: DhtRecord): Promise<number> {
  const proofs = await Promise.all(
    targets.map(async (peer) => {
      try {
        const res = await c.transport.findValue(peer, record.key, callOptions(c));
        const held = res.record;
        if (held && held.key === record.key && compareVersions(held.version, record.version) >= 0) return true;
        c.counters.handOffUnproven++;
        c.log.warn({ peer: peer.id, key: record.key }, "a replica acknowledged a hand-off but does not return the record: keeping our copy");
        return false;
      } catch (error) {
        await c.backoff.failed(peer, error, true);
        return false;
      }
    }),
  );
  return proofs.filter(Boolean).length;
}
