/**
 * `p2p load FILE|-`: bulk load of NDJSON `{"key": …, "value": …}` lines through PutMany.
 *
 * Streamed, not validated up front: a file of any size is read in pieces and checked line by
 * line, and the first malformed line stops the load with exit 2 naming it, after the lines
 * before it were stored (so a rerun after fixing the line is safe: a put is idempotent in
 * effect). `--dry-run` checks the whole file without sending anything, for who wants all or
 * nothing. Values over the peer's limit fail alone, here, without a call.
 */
import { unaryCall } from "../clients.js";
import { emit, note, type CommandContext } from "../context.js";
import { startKeyProgress, wantsBar } from "../progress.js";
import { runBatches } from "../batch/batcher.js";
import { batchOptions, failedKeysError, MAX_LINE_BYTES, requestBudget, sendBatch, writeSummary, type BatchFlags, type Written } from "../batch/common.js";
import { openInput, splitLines } from "../batch/lines.js";
import { itemsOf, parseEntryLine, type Entry } from "../batch/records.js";
import { Tally } from "../batch/tally.js";

export interface LoadFlags extends BatchFlags {
  dryRun?: boolean;
}

export async function load(ctx: CommandContext, file: string, flags: LoadFlags): Promise<void> {
  const { batch, parallel, counts } = batchOptions(flags);
  const input = await openInput(file);
  const entries = itemsOf<Entry>(splitLines(input.stream, MAX_LINE_BYTES, input.name), (line) => parseEntryLine(line, input.name));
  const tally = new Tally();

  if (flags.dryRun) {
    let valid = 0;
    for await (const _ of entries) valid++;
    emit(ctx, { valid, dryRun: true }, `${valid} keys, every line valid (nothing sent)`);
    return;
  }

  const { valueLimit, maxBatchBytes } = await requestBudget(ctx);
  const bar = startKeyProgress(wantsBar(ctx.opts), "load", input.size);

  // A value the peer would refuse fails here, alone, and is not sent.
  async function* checked(): AsyncGenerator<Entry> {
    for await (const e of entries) {
      const bytes = Buffer.byteLength(e.value);
      if (bytes <= valueLimit) yield e;
      else {
        tally.fail({ key: e.key, lineNo: e.lineNo, code: "resource_exhausted", message: `value: ${bytes} bytes exceeds the limit of ${valueLimit} bytes` });
        bar.advance(1, e.inputBytes);
      }
    }
  }

  let stopped: unknown;
  try {
    await runBatches(checked(), {
      maxItems: batch,
      maxBytes: maxBatchBytes,
      parallel,
      uniqueKeys: true,
      signal: ctx.signal,
      send: sendBatch<Entry, Written>(
        ctx,
        counts,
        async (items) => (await ctx.client.putMany({ entries: items.map((e) => ({ key: e.key, value: e.value })) }, unaryCall(ctx.opts, ctx.signal))).results,
        (e, error) => ({ key: e.key, error }),
      ),
      deliver: (items, results) => {
        items.forEach((e, i) => {
          const error = results[i] ? results[i].error : { code: "internal", message: "no result for this key" };
          if (error) tally.fail({ key: e.key, lineNo: e.lineNo, code: error.code, message: error.message });
          else tally.succeed();
        });
        bar.advance(items.length, items.reduce((n, e) => n + e.inputBytes, 0));
      },
    });
  } catch (err) {
    stopped = err;
  } finally {
    bar.stop();
  }
  writeSummary(ctx, "stored", tally, { complete: !stopped, batches: counts.batches, retries: counts.retries });
  if (stopped) {
    note(ctx, `load stopped: ${tally.ok + tally.failed} keys done before the error below; rerun once it is fixed (storing a value again is harmless)`);
    throw stopped;
  }
  const failed = failedKeysError(tally);
  if (failed) throw failed;
}
