/** Pushing records to peers, as neighbour sync, hand-off and leave all do. */
import type { Contact, DhtRecord, StoreResult } from "../types.js";
import { compareVersions } from "../records/version.js";
import { MAX_BATCH_RECORDS } from "../rpc/peer-rpc.js";
import { batchCallTimeout } from "../replication/batch-calls.js";
import { callOptions, RECORD_OVERHEAD, type RepairContext } from "./repair-context.js";

/** Reads `key` from `peer` and keeps the answer if it checks out and is newer than ours. */
async function pullNewer(c: RepairContext, peer: Contact, key: string): Promise<void> {
  try {
    const held = (await c.transport.findValue(peer, key, callOptions(c))).record;
    if (held?.key !== key) return;
    c.counters.bytesReceived += RECORD_OVERHEAD + held.value.byteLength;
    if ((await c.records.accept(held)).applied) c.counters.recordsPulled++;
  } catch (error) {
    c.log.debug({ peer: peer.id, key, err: String(error) }, "could not pull a newer version a peer holds");
  }
}

/**
 * Counts what a peer's answer to a pushed record says; answers whether it holds that version or
 * a newer one. A newer one (a later write, or a delete it has collected) is pulled here, so a
 * stale copy is replaced instead of pushed again every round.
 */
async function stored(c: RepairContext, peer: Contact, record: DhtRecord, res: StoreResult): Promise<boolean> {
  if (res.applied) c.counters.recordsPushed++;
  if (compareVersions(res.current, record.version) > 0) await pullNewer(c, peer, record.key);
  return compareVersions(res.current, record.version) >= 0;
}

/**
 * Of `targets`, those that do not answer a read of the record's key with its version or a
 * newer one (a failed call counts as not holding it). Each peer's word that it stored a record
 * is checked this way before this peer gives up its own copy or the tombstone of a delete.
 */
export async function notHolding(c: RepairContext, targets: readonly Contact[], record: DhtRecord): Promise<Contact[]> {
  const holding = await Promise.all(
    targets.map(async (peer) => {
      try {
        const held = (await c.transport.findValue(peer, record.key, callOptions(c))).record;
        c.backoff.succeeded(peer);
        return held !== undefined && held.key === record.key && compareVersions(held.version, record.version) >= 0;
      } catch (error) {
        await c.backoff.failed(peer, error, true);
        return false;
      }
    }),
  );
  return targets.filter((_, i) => !holding[i]);
}

/** Stores `record` at each target (in parallel); returns how many hold that version or newer afterwards. */
export async function pushTo(c: RepairContext, targets: readonly Contact[], record: DhtRecord): Promise<number> {
  const results = await Promise.all(
    targets.map(async (peer) => {
      try {
        c.counters.bytesSent += RECORD_OVERHEAD + record.value.byteLength;
        const res = await c.transport.store(peer, record, callOptions(c));
        c.backoff.succeeded(peer);
        return await stored(c, peer, record, res);
      } catch (error) {
        await c.backoff.failed(peer, error, true);
        return false;
      }
    }),
  );
  return results.filter(Boolean).length;
}

/**
 * Stores the records of `keys` at `peer` in StoreMany batches (at most fetchBatch records and,
 * past the first record, maxFetchBytes of values each), read as they are sent so a batch of
 * large records is never all in memory: what a round of neighbour sync pushes. One Store per
 * record cost a call's whole overhead per record, and under a stream of writes a round pushing
 * thousands of them competed with the writes it repairs. Answers the keys the peer holds at that
 * version or newer afterwards; a failed call ends the push (the rest waits for the next round).
 */
export async function pushMany(c: RepairContext, peer: Contact, keys: readonly string[]): Promise<Set<string>> {
  const held = new Set<string>();
  const { fetchBatch, maxFetchBytes } = c.settings.options;
  const maxRecords = Math.min(fetchBatch, MAX_BATCH_RECORDS);
  let batch: DhtRecord[] = [];
  let bytes = 0;
  const send = async (): Promise<boolean> => {
    const sending = batch;
    batch = [];
    bytes = 0;
    let outcomes;
    try {
      c.counters.bytesSent += sending.reduce((s, r) => s + RECORD_OVERHEAD + r.value.byteLength, 0);
      outcomes = await c.transport.storeMany(peer, sending, { timeoutMs: batchCallTimeout(c.replication().rpcTimeoutMs, sending.length) });
      c.backoff.succeeded(peer);
    } catch (error) {
      await c.backoff.failed(peer, error, true);
      return false;
    }
    for (let i = 0; i < sending.length; i++) {
      const record = sending[i]!;
      const res = outcomes[i];
      // A record refused on its own (over the peer's quota, say) is not held: its other replicas keep it.
      if (res && !(res instanceof Error) && (await stored(c, peer, record, res))) held.add(record.key);
    }
    return true;
  };
  for (const key of keys) {
    const record = await c.records.read(key);
    if (!record) continue;
    if (batch.length > 0 && (batch.length >= maxRecords || bytes + record.value.byteLength > maxFetchBytes) && !(await send())) return held;
    batch.push(record);
    bytes += record.value.byteLength;
  }
  if (batch.length > 0) await send();
  return held;
}
