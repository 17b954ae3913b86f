/**
 * Grouping a batch's keys into peer calls: per replica, in slices that fit one StoreMany or
 * FindValueMany (MAX_BATCH_RECORDS items and a byte budget under gRPC's default 4 MiB message
 * limit), and a bounded pool for the keys that take the single-key path.
 */
import { setMaxListeners } from "node:events";
import { DhtError, errorCode } from "../errors.js";
import type { Contact, NodeId } from "../types.js";
import { MAX_BATCH_RECORDS } from "../rpc/peer-rpc.js";
import type { OperationScope } from "../rpc/deadline.js";
import type { BatchContext } from "./batch-operations.js";

/** Keys that leave the batch round for the single-key path (or need a lookup), handled this many at a time. */
export const SINGLE_KEY_CONCURRENCY = 32;

/**
 * The deadline of one batch call of `items`: the peer-call deadline, plus one more per 50
 * items. A batch call queues behind the others at a loaded replica, and a replica whose code
 * is not yet warm (a peer that just started) takes several times longer per record: with one
 * deadline per 250 items, 4 PutMany of 1000 keys in flight over 20 fresh peers timed most
 * StoreMany calls out, the keys all took the single-key path, and that made the load worse
 * until the batches missed their own deadlines. A silent replica costs this much once per
 * batch; a refused or broken connection fails at once.
 */
export function batchCallTimeout(rpcTimeoutMs: number, items: number): number {
  return rpcTimeoutMs * (1 + Math.floor(items / 50));
}

/** Refuses a batch over maxBatchKeys; lets the scope's signal reach every call of the batch. */
export function checkBatchSize(c: BatchContext, n: number, field: string, scope: OperationScope): void {
  const max = c.options().maxBatchKeys;
  if (n > max) throw DhtError.invalidArgument(`${field}: at most ${max} per batch, got ${n}`);
  // One listener per call in flight: a replica call per peer plus the single-key pool's calls.
  setMaxListeners(4 * SINGLE_KEY_CONCURRENCY + 64, scope.signal);
}

/** A batch call failed: only silence is a routing failure (a peer that refused answered); its keys take the single-key path. */
export function reportCallFailure(c: BatchContext, peer: Contact, err: unknown): void {
  const code = errorCode(err);
  if (code === "unavailable" || code === "deadline_exceeded") c.router.reportFailure(peer, err);
  c.log.debug({ peer: peer.id, err: String(err) }, "batch call failed; its keys take the single-key path");
}

/** Value and key bytes sent in one batch call, at most (one larger item goes alone). */
export const MAX_BATCH_CALL_BYTES = 2 * 1024 * 1024;
/** What a record costs on the wire beyond its key and value (version, writer, proof, framing). */
const PER_ITEM_OVERHEAD = 256;

/**
 * For each peer `peersOf(item)` names, the items it gets, in slices of at most
 * MAX_BATCH_RECORDS items and MAX_BATCH_CALL_BYTES (by `sizeOf`), in item order.
 */
export function replicaBatches<T>(items: readonly T[], peersOf: (item: T) => readonly Contact[], sizeOf: (item: T) => number): [Contact, T[][]][] {
  const groups = new Map<NodeId, { peer: Contact; slices: T[][]; bytes: number }>();
  for (const item of items) {
    const size = sizeOf(item) + PER_ITEM_OVERHEAD;
    for (const peer of peersOf(item)) {
      let g = groups.get(peer.id);
      if (!g) groups.set(peer.id, (g = { peer, slices: [[]], bytes: 0 }));
      let slice = g.slices[g.slices.length - 1]!;
      if (slice.length > 0 && (slice.length >= MAX_BATCH_RECORDS || g.bytes + size > MAX_BATCH_CALL_BYTES)) {
        g.slices.push((slice = []));
        g.bytes = 0;
      }
      slice.push(item);
      g.bytes += size;
    }
  }
  return [...groups.values()].map((g) => [g.peer, g.slices]);
}

/** Runs `fn` over `items`, at most `limit` at a time; resolves when all have settled (`fn` must not reject). */
export async function mapBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
