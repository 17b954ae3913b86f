/**
 * A graceful leave: goodbye to every contact, then every held record to its R closest other
 * peers, in StoreMany batches per peer (bounded concurrency). A record counts as handed off when
 * all its targets acknowledged its version (or hold a newer one).
 */
import type { Contact } from "../types.js";
import { forEachBounded } from "./bounded.js";
import { pushMany } from "./push.js";
import { callOptions, type RepairContext } from "./repair-context.js";
import { replicaSetWithoutSelf } from "./replica-view.js";

/** Outcome of a graceful leave. */
export interface LeaveResult {
  handedOff: number;
  failed: number;
  neighboursTold: number;
}

/** Hands everything off; the caller has stopped repair rounds first. */
export async function handEverythingOff(c: RepairContext): Promise<LeaveResult> {
  await c.store.load();
  // Goodbyes first: once our neighbours have dropped us, each record we push lands on a peer
  // that counts itself a replica, instead of one that still sees us and hands it back.
  let neighboursTold = 0;
  await forEachBounded(c.contacts(), 16, async (peer) => {
    try {
      await c.transport.goodbye(peer, callOptions(c));
      neighboursTold++;
    } catch {
      // A neighbour that misses the goodbye evicts us after its next failed call.
    }
  });
  const r = c.replication().replicationFactor;
  // Each record's targets, then one stream of StoreMany batches per target (pushMany): one
  // Store per record cost a whole call per record and target, so a peer holding many records
  // left slowly, and the stores competed with the client writes of everyone else.
  const targetsOf = new Map<string, number>();
  const keysFor = new Map<string, { peer: Contact; keys: string[] }>();
  for (const [key, e] of c.store.entries()) {
    if (!c.records.repairable({ key, ...e })) continue;
    const targets = replicaSetWithoutSelf(c.self, c.router, e.position, r);
    targetsOf.set(key, targets.length);
    for (const peer of targets) {
      let entry = keysFor.get(peer.id);
      if (!entry) keysFor.set(peer.id, (entry = { peer, keys: [] }));
      entry.keys.push(key);
    }
  }
  const confirmedAt = new Map<string, number>();
  await forEachBounded(keysFor.values(), c.settings.options.maxConcurrentTransfers, async ({ peer, keys }) => {
    for (const key of await pushMany(c, peer, keys)) confirmedAt.set(key, (confirmedAt.get(key) ?? 0) + 1);
  });
  let handedOff = 0;
  let failed = 0;
  for (const [key, targets] of targetsOf) {
    if (targets > 0 && confirmedAt.get(key) === targets) handedOff++;
    else failed++;
  }
  c.log.info({ handedOff, failed, neighboursTold }, "left the network");
  return { handedOff, failed, neighboursTold };
}
