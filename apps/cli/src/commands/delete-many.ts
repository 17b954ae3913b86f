/**
 * `p2p delete-many KEY... [--keys-from FILE|-]`: DeleteMany in batches (a tombstone per key,
 * as delete writes), then a summary like load's. Keys from a file are streamed and checked as
 * they come: a bad line stops the command (exit 2) after the keys before it were deleted.
 */
import { unaryCall } from "../clients.js";
import { note, type CommandContext } from "../context.js";
import { startKeyProgress, wantsBar } from "../progress.js";
import { runBatches } from "../batch/batcher.js";
import { batchOptions, failedKeysError, keySource, requestBudget, sendBatch, writeSummary, type BatchFlags, type Written } from "../batch/common.js";
import type { Item } from "../batch/records.js";
import { Tally } from "../batch/tally.js";

export async function deleteMany(ctx: CommandContext, keys: string[], flags: BatchFlags & { keysFrom?: string }): Promise<void> {
  const { batch, parallel, counts } = batchOptions(flags);
  const source = await keySource(keys, flags.keysFrom);
  const { maxBatchBytes } = await requestBudget(ctx);
  const tally = new Tally();
  const bar = startKeyProgress(wantsBar(ctx.opts), "delete", source.size);
  let stopped: unknown;
  try {
    await runBatches(source.items, {
      maxItems: batch,
      maxBytes: maxBatchBytes,
      parallel,
      uniqueKeys: true, // the peer refuses a key twice in one batch
      signal: ctx.signal,
      send: sendBatch<Item, Written>(
        ctx,
        counts,
        async (items) => (await ctx.client.deleteMany({ keys: items.map((k) => k.key) }, unaryCall(ctx.opts, ctx.signal))).results,
        (k, error) => ({ key: k.key, error }),
      ),
      deliver: (items, results) => {
        items.forEach((k, i) => {
          const error = results[i] ? results[i].error : { code: "internal", message: "no result for this key" };
          if (error) tally.fail({ key: k.key, lineNo: k.lineNo, code: error.code, message: error.message });
          else tally.succeed();
        });
        bar.advance(items.length, items.reduce((n, k) => n + k.inputBytes, 0));
      },
    });
  } catch (err) {
    stopped = err;
  } finally {
    bar.stop();
  }
  writeSummary(ctx, "deleted", tally, { complete: !stopped, batches: counts.batches, retries: counts.retries });
  if (stopped) {
    note(ctx, `delete-many stopped: ${tally.ok + tally.failed} keys done before the error below; rerun once it is fixed (deleting a key again is harmless)`);
    throw stopped;
  }
  const failed = failedKeysError(tally);
  if (failed) throw failed;
}
