/**
 * A graceful leave: goodbye to every contact, then every held record to its R closest other
 * peers (bounded concurrency). A record counts as handed off when all its targets acknowledged
 * its version.
 */
import { forEachBounded } from "./bounded.js";
import { pushTo } from "./push.js";
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
  let handedOff = 0;
  let failed = 0;
  const movable = [...c.store.entries()].filter(([key, e]) => c.records.repairable({ key, ...e }));
  await forEachBounded(movable, c.settings.options.maxConcurrentTransfers, async ([key, e]) => {
    const targets = replicaSetWithoutSelf(c.self, c.router, e.position, r);
    const record = await c.records.read(key);
    if (!record) return;
    const confirmed = await pushTo(c, targets, record);
    if (confirmed === targets.length && targets.length > 0) handedOff++;
    else failed++;
  });
  c.log.info({ handedOff, failed, neighboursTold }, "left the network");
  return { handedOff, failed, neighboursTold };
}
