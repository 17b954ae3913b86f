/**
 * `p2p get-many KEY... [--keys-from FILE|-]`: GetMany in batches, one line per key in input
 * order as the batches come back (so the output starts before a big key file is read): text
 * `key<TAB>value`, `key<TAB>(not found)` or `key<TAB>(error: code message)`; with --json one
 * JSON object per line (NDJSON, like watch), `{"key","value"}` or `{"key","error","code"}`,
 * which `p2p load` reads back (error lines are refused there). Exit 3 when keys were missing
 * and none failed otherwise; a failure's own code (4, 5, …) when some failed.
 */
import { unaryCall } from "../clients.js";
import type { CommandContext } from "../context.js";
import { CliError, ExitCode } from "../errors.js";
import { startKeyProgress, wantsBar } from "../progress.js";
import { runBatches } from "../batch/batcher.js";
import { batchOptions, keySource, requestBudget, sendBatch, type BatchFlags } from "../batch/common.js";
import type { Item } from "../batch/records.js";
import { batchExitCode } from "../batch/tally.js";

interface Read {
  key: string;
  found: boolean;
  value: string;
  error?: { code: string; message: string };
}

export async function getMany(ctx: CommandContext, keys: string[], flags: BatchFlags & { keysFrom?: string }): Promise<void> {
  const { batch, parallel, counts } = batchOptions(flags);
  const source = await keySource(keys, flags.keysFrom);
  const { maxBatchBytes } = await requestBudget(ctx);
  const bar = startKeyProgress(wantsBar(ctx.opts), "get", source.size);
  let found = 0;
  let missing = 0;
  const failedCodes = new Set<string>();
  let failed = 0;
  const print = (r: Read) => {
    if (r.found) found++;
    else if (r.error?.code === "not_found" || !r.error) missing++;
    else {
      failed++;
      failedCodes.add(r.error.code);
    }
    if (ctx.opts.json) {
      const doc = r.found ? { key: r.key, value: r.value } : { key: r.key, error: r.error?.message ?? "key not found", code: r.error?.code ?? "not_found" };
      ctx.stdout.write(JSON.stringify(doc) + "\n");
    } else {
      const what = r.found ? r.value : !r.error || r.error.code === "not_found" ? "(not found)" : `(error: ${r.error.code} ${r.error.message})`;
      ctx.stdout.write(`${r.key}\t${what}\n`);
    }
  };
  try {
    await runBatches(source.items, {
      maxItems: batch,
      maxBytes: maxBatchBytes,
      parallel,
      uniqueKeys: false, // reading a key twice is fine: the peer answers it twice
      signal: ctx.signal,
      send: sendBatch<Item, Read>(
        ctx,
        counts,
        async (items) => (await ctx.client.getMany({ keys: items.map((k) => k.key) }, unaryCall(ctx.opts, ctx.signal))).results,
        (k, error) => ({ key: k.key, found: false, value: "", error }),
      ),
      deliver: (items, results) => {
        items.forEach((k, i) => print(results[i] ?? { key: k.key, found: false, value: "", error: { code: "internal", message: "no result for this key" } }));
        bar.advance(items.length, items.reduce((n, k) => n + k.inputBytes, 0));
      },
    });
  } finally {
    bar.stop();
  }
  if (failed) throw new CliError(`${failed} of ${found + missing + failed} keys failed${missing ? `, ${missing} not found` : ""}`, batchExitCode(failedCodes));
  if (missing) throw new CliError(`${missing} of ${found + missing} keys not found`, ExitCode.notFound);
}
