/**
 * Groups a stream of items into batches (at most `maxItems` and `maxBytes` each) and sends
 * them with at most `parallel` calls in flight. Results are delivered in batch order, and a
 * batch's slot is freed only when it is delivered, so a slow first batch cannot let finished
 * later ones pile up: memory stays bounded by parallel × batch size whatever the input size.
 *
 * With `uniqueKeys` (writes), a batch never holds a key twice (the peer refuses that) and never
 * goes out while an earlier batch holding one of its keys is in flight, so the later line of a
 * key is also the later write: the file's last value wins, as with one put per line.
 *
 * A failed send or a failed input stops the reading; the batches already sent are awaited and
 * delivered (and the items read before a bad line are sent first), then the first error is thrown.
 */
import type { Item } from "./records.js";

export interface BatcherOptions<I extends Item, R> {
  maxItems: number;
  maxBytes: number;
  parallel: number;
  uniqueKeys: boolean;
  send: (items: I[]) => Promise<R>;
  deliver: (items: I[], result: R) => void;
  signal?: AbortSignal;
}

interface Flight<I, R> {
  items: I[];
  /** Settles (never rejects) when the call ends. */
  done: Promise<{ ok: true; result: R } | { ok: false; error: unknown }>;
}

export async function runBatches<I extends Item, R>(source: AsyncIterable<I>, o: BatcherOptions<I, R>): Promise<void> {
  const queue: Flight<I, R>[] = []; // sent, not yet delivered, in batch order
  const inFlightByKey = new Map<string, Promise<unknown>>();
  /** The first failed call. */
  let failure: { error: unknown } | undefined;
  /** The input's failure (a bad line): the items before it are still sent. */
  let inputFailure: { error: unknown } | undefined;
  let current: I[] = [];
  let currentKeys = new Set<string>();
  let currentBytes = 0;

  /** Delivers the oldest batch (waiting for it); the first failure is kept, later results still delivered. */
  const deliverOldest = async () => {
    const flight = queue.shift()!;
    const outcome = await flight.done;
    if (outcome.ok) o.deliver(flight.items, outcome.result);
    else failure ??= { error: outcome.error };
  };

  const dispatch = async () => {
    if (!current.length) return;
    const items = current;
    current = [];
    currentKeys = new Set();
    currentBytes = 0;
    while (queue.length >= o.parallel) await deliverOldest();
    if (failure) return; // a call failed meanwhile: stop sending
    if (o.uniqueKeys) {
      const earlier = new Set<Promise<unknown>>();
      for (const it of items) {
        const p = inFlightByKey.get(it.key);
        if (p) earlier.add(p);
      }
      await Promise.all(earlier);
    }
    const call = o.send(items);
    const done = call.then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    if (o.uniqueKeys) {
      for (const it of items) inFlightByKey.set(it.key, done);
      void done.then(() => {
        for (const it of items) if (inFlightByKey.get(it.key) === done) inFlightByKey.delete(it.key);
      });
    }
    queue.push({ items, done });
  };

  try {
    for await (const item of source) {
      if (o.signal?.aborted || failure) break;
      const full = current.length >= o.maxItems || (current.length > 0 && currentBytes + item.size > o.maxBytes);
      if (full || (o.uniqueKeys && currentKeys.has(item.key))) await dispatch();
      if (failure) break;
      current.push(item);
      currentKeys.add(item.key);
      currentBytes += item.size;
    }
  } catch (err) {
    inputFailure = { error: err };
  }
  // What was read before a bad line or the end is still sent, unless a call already failed.
  if (!failure && !o.signal?.aborted) await dispatch();
  while (queue.length) await deliverOldest();
  // A call's failure came first: the reading stopped at it, before any bad line.
  const first = failure ?? inputFailure;
  if (first) throw first.error;
}
