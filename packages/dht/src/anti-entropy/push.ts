/** Pushing one record to peers, as neighbour sync, hand-off and leave all do. */
import type { Contact, DhtRecord } from "../types.js";
import { compareVersions } from "../records/version.js";
import { callOptions, RECORD_OVERHEAD, type RepairContext } from "./repair-context.js";

/** Stores `record` at each target (in parallel); returns how many hold that version or newer afterwards. */
export async function pushTo(c: RepairContext, targets: readonly Contact[], record: DhtRecord): Promise<number> {
  const results = await Promise.all(
    targets.map(async (peer) => {
      try {
        c.counters.bytesSent += RECORD_OVERHEAD + record.value.byteLength;
        const res = await c.transport.store(peer, record, callOptions(c));
        c.backoff.succeeded(peer);
        if (res.applied) c.counters.recordsPushed++;
        return compareVersions(res.current, record.version) >= 0;
      } catch (error) {
        await c.backoff.failed(peer, error, true);
        return false;
      }
    }),
  );
  return results.filter(Boolean).length;
}
