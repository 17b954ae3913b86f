/**
 * One neighbour's share of a round (Dynamo §4.7, Cassandra repair): send the root of the digest
 * of "records both should hold"; on a mismatch fetch the neighbour's leaf hashes, then the
 * (key, version) pairs of the differing leaves; push what it lacks and pull what we lack.
 * Everything a neighbour answers is validated; a neighbour that answers nonsense is backed off.
 */
import type { Contact, RecordSummary } from "../types.js";
import { sha256Hex } from "../kademlia/node-id.js";
import { validateKey, validateVersion } from "../records/record-validation.js";
import { compareVersions } from "../records/version.js";
import { pushMany } from "./push.js";
import { LEAF_COUNT, leafOf, validLeaves } from "./range-digest.js";
import { callOptions, SUMMARY_BYTES, RECORD_OVERHEAD, type RepairContext } from "./repair-context.js";
import { isReplica, type ReplicaView } from "./replica-view.js";
import { MAX_SYNC_KEYS_PAGE } from "./sync-handlers.js";
import { applyVersionsOnly, pushVersionsOnly } from "./valueless-push.js";

/** Every leaf index: the whole digest's keys. */
const ALL_LEAVES = Array.from({ length: LEAF_COUNT }, (_, i) => i);

export async function syncWith(c: RepairContext, n: Contact, view: ReplicaView, budget: { left: number }, under: Set<string>): Promise<void> {
  const digest = view.digests.get(n.id)!;
  if (c.backoff.backedOff(n.id)) {
    for (const k of digest.keysOf(ALL_LEAVES)) under.add(k);
    return;
  }
  if (c.backoff.disagrees(n.id, view.stamp)) return;
  let res;
  try {
    c.counters.bytesSent += 40;
    res = await c.transport.syncDigest(n, { root: digest.root(), count: digest.count }, callOptions(c));
    c.backoff.succeeded(n);
  } catch (error) {
    await c.backoff.failed(n, error, true);
    for (const k of digest.keysOf(ALL_LEAVES)) under.add(k);
    return;
  }
  c.counters.bytesReceived += 8 + res.leaves.length * 32;
  if (res.match) return;
  if (!validLeaves(res.leaves)) return c.backoff.reject(n, "SyncDigest answered malformed leaves");
  const diff = digest.differingLeaves(res.leaves);
  const theirs = await listKeys(c, n, diff);
  if (!theirs) return;

  const r = c.replication().replicationFactor;
  const push: string[] = [];
  const pull: string[] = [];
  for (const key of digest.keysOf(diff)) {
    const mine = c.store.entry(key);
    const other = theirs.get(key);
    if (mine && c.records.repairable({ key, ...mine }) && (!other || compareVersions(mine.version, other.version) > 0)) push.push(key);
  }
  for (const [key, other] of theirs) {
    const mine = c.store.entry(key);
    if (!c.records.repairable(other) || (mine && compareVersions(other.version, mine.version) <= 0)) continue;
    // Older than a delete we collected: their copy is what the delete removed.
    if (!mine && c.records.collectedDelete(key, other.version)) continue;
    // Pull only what we are a replica of by our own view: otherwise we would fetch it
    // now and hand it off again next round.
    const position = mine?.position ?? sha256Hex(key);
    if (isReplica(c.self, c.router, position, r)) pull.push(key);
  }
  if (push.length === 0 && pull.length === 0) {
    // Same records, different digests: our views of who is responsible differ (one of us
    // knows a peer the other does not). Wait for the views to change instead of re-listing.
    c.backoff.markDisagreement(n.id, view.stamp);
    return;
  }
  for (const k of push) under.add(k);
  const pushing = push.slice(0, Math.max(0, budget.left));
  budget.left -= pushing.length;
  const pushedBefore = c.counters.recordsPushed;
  const whole = await pushVersionsOnly(c, n, pushing, theirs, under);
  for (const key of await pushMany(c, n, whole)) under.delete(key);
  const applied = c.counters.recordsPushed - pushedBefore;
  const pulling = pull.slice(0, Math.max(0, budget.left));
  budget.left -= pulling.length;
  const fetching = await applyVersionsOnly(c, pulling, theirs);
  const batch = c.settings.options.fetchBatch;
  for (let i = 0; i < fetching.length; i += batch) {
    if (!(await pullRecords(c, n, fetching.slice(i, i + batch)))) break;
  }
  if (applied === 0 && pulling.length === 0 && pushing.length > 0) {
    // The neighbour already held everything we pushed but did not list it for us: it does
    // not count us among those records' replicas, so one of us misses a peer (e.g. one we
    // evicted while it was down and that has come back). Lookups of a few of the disputed
    // positions meet the peers around them; then wait for the view to change.
    await refreshAround(c, pushing.slice(0, 3));
    c.backoff.markDisagreement(n.id, view.stamp);
  }
}

/** Looks up the positions of `keys`, learning the live peers around them (the router learns every responder). */
async function refreshAround(c: RepairContext, keys: string[]): Promise<void> {
  const r = c.replication().replicationFactor;
  for (const key of keys) {
    try {
      await c.router.lookup(sha256Hex(key), { wanted: r });
    } catch {
      // a failed lookup leaves the view as it was; the next change retries
    }
  }
}

/** The neighbour's entries of the given leaves, validated; undefined when it failed or lied. */
async function listKeys(c: RepairContext, n: Contact, leaves: number[]): Promise<Map<string, RecordSummary> | undefined> {
  const wanted = new Set(leaves);
  const out = new Map<string, RecordSummary>();
  let after = "";
  for (;;) {
    let page;
    try {
      c.counters.bytesSent += 40 + leaves.length * 2;
      page = await c.transport.syncKeys(n, { leaves, after, limit: MAX_SYNC_KEYS_PAGE }, callOptions(c));
    } catch (error) {
      await c.backoff.failed(n, error, false);
      return undefined;
    }
    c.counters.bytesReceived += page.entries.length * SUMMARY_BYTES;
    if (page.entries.length > MAX_SYNC_KEYS_PAGE) return c.backoff.reject(n, "SyncKeys answered too many entries");
    for (const e of page.entries) {
      try {
        validateKey(e.key, "entries.key");
        validateVersion(e.version, "entries.version");
      } catch (error) {
        return c.backoff.reject(n, `SyncKeys answered a malformed entry: ${String(error)}`);
      }
      // Keys must ascend (paging) and belong to the leaves asked for.
      if (e.key <= after || !wanted.has(leafOf(sha256Hex(e.key)))) return c.backoff.reject(n, "SyncKeys answered an entry out of order or range");
      after = e.key;
      out.set(e.key, { key: e.key, version: e.version, tombstone: e.tombstone === true });
    }
    if (!page.truncated || page.entries.length === 0 || out.size >= c.settings.options.maxKeysPerExchange) return out;
  }
}

/** Fetches and keeps `keys` from `n`; the whole batch is rejected if any record is invalid. */
async function pullRecords(c: RepairContext, n: Contact, keys: string[]): Promise<boolean> {
  let records;
  try {
    c.counters.bytesSent += 40 + keys.reduce((s, k) => s + k.length + 2, 0);
    records = await c.transport.fetchRecords(n, keys, callOptions(c));
  } catch (error) {
    await c.backoff.failed(n, error, false);
    return false;
  }
  c.counters.bytesReceived += records.reduce((s, r) => s + RECORD_OVERHEAD + r.value.byteLength, 0);
  const asked = new Set(keys);
  try {
    if (records.length > keys.length) throw new Error("more records than keys asked for");
    for (const record of records) {
      c.records.registry.validate(record);
      if (!asked.has(record.key)) throw new Error(`record.key: ${JSON.stringify(record.key.slice(0, 40))} was not asked for`);
      asked.delete(record.key);
    }
    // Only once the whole batch is valid: a bad record changes neither the clock nor the store.
    for (const record of records) c.records.observe(record);
  } catch (error) {
    c.counters.recordsRejected += records.length;
    c.backoff.reject(n, `FetchRecords answered an invalid record: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
  for (const record of records) {
    try {
      if ((await c.records.keep(record)).applied) c.counters.recordsPulled++;
    } catch (error) {
      // This peer refuses it (a chunk over its quota): its other replicas keep it.
      c.log.warn({ key: record.key, err: String(error) }, "a pulled record was not kept");
    }
  }
  return true;
}
