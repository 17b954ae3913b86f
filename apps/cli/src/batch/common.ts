/**
 * What the batch commands (load, get-many, delete-many) share: their options, where their keys
 * come from, how a whole call's failure becomes per-key failures, and the write summary.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { unaryCall } from "../clients.js";
import { emit, note, type CommandContext } from "../context.js";
import { CliError, ExitCode, usageError } from "../errors.js";
import { parsePositiveInt } from "../options.js";
import { openInput, splitLines } from "./lines.js";
import { argumentKey, itemsOf, parseKeyLine, type Item } from "./records.js";
import { callWithRetries, retryAfterMs, type KeyResult } from "./retry.js";
import { failureLines, type Tally } from "./tally.js";

/** The peer's largest batch (maxBatchKeys). */
export const MAX_BATCH_KEYS = 1000;
/** Longest input line: the largest value `p2p put KEY -` reads, JSON-escaped values included. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;
/** Failures printed in text mode; --json carries up to MAX_KEPT_FAILURES. */
export const SHOWN_FAILURES = 5;

/** First backoff of a retry (doubled per try). */
const RETRY_BASE_MS = 250;

export interface BatchFlags {
  batch?: string;
  parallel?: string;
  retries?: string;
}

export function batchOptions(flags: BatchFlags): { batch: number; parallel: number; counts: CallCounts } {
  const retries = flags.retries === undefined ? 3 : parsePositiveInt(flags.retries, "--retries", 0, 10);
  return {
    counts: { maxRetries: retries, batches: 0, retries: 0 },
    batch: flags.batch === undefined ? MAX_BATCH_KEYS : parsePositiveInt(flags.batch, "--batch", 1, MAX_BATCH_KEYS),
    parallel: flags.parallel === undefined ? 4 : parsePositiveInt(flags.parallel, "--parallel", 1, 64),
  };
}

/**
 * One batch call with retries (retry.ts): a whole call refused for its content fails its keys
 * (perKeyFailure); any other final failure is thrown and stops the command.
 */
export function sendBatch<I extends Item, R extends KeyResult>(ctx: CommandContext, counts: CallCounts, call: (items: I[]) => Promise<R[]>, failed: (item: I, error: { code: string; message: string }) => R): (items: I[]) => Promise<R[]> {
  const policy = {
    retries: counts.maxRetries,
    baseDelayMs: RETRY_BASE_MS,
    signal: ctx.signal,
    onRetry: (keys: number, reason: string) => {
      counts.retries++;
      note(ctx, `retrying ${keys} keys (${reason})`);
    },
  };
  return (items) => {
    counts.batches++;
    return callWithRetries(items, call, (batch, err) => {
      const whole = perKeyFailure(err);
      return whole && batch.map((it) => failed(it, whole));
    }, policy);
  };
}

/** Batches sent and retry calls made, for the summary. */
export interface CallCounts {
  maxRetries: number;
  batches: number;
  retries: number;
}

/** Room left in the peer's request limit (its value limit + 64 KiB) for a request's own framing. */
const REQUEST_MARGIN = 32 * 1024;

/**
 * The peer's value limit and so the bytes one batch may carry (the peer refuses a larger
 * request whole). Asked before anything is read, so a wrong --peer fails at once.
 */
export async function requestBudget(ctx: CommandContext): Promise<{ valueLimit: number; maxBatchBytes: number }> {
  const info = await ctx.client.info({}, unaryCall(ctx.opts, ctx.signal));
  const valueLimit = Number(info.valueLimitBytes) || 1024 * 1024;
  return { valueLimit, maxBatchBytes: valueLimit + REQUEST_MARGIN };
}

/** Keys from the arguments, then from --keys-from (a file, or "-" for stdin), streamed. */
export async function keySource(keys: string[], keysFrom: string | undefined): Promise<{ items: AsyncIterable<Item>; size?: number }> {
  if (!keys.length && keysFrom === undefined) throw usageError("give KEY... or --keys-from FILE|-");
  const fromArgs = keys.map(argumentKey); // all checked before anything is sent
  const input = keysFrom === undefined ? undefined : await openInput(keysFrom);
  async function* items(): AsyncGenerator<Item> {
    yield* fromArgs;
    if (input) yield* itemsOf<Item>(splitLines(input.stream, MAX_LINE_BYTES, input.name), (line) => parseKeyLine(line, input.name));
  }
  return { items: items(), size: input?.size };
}

/**
 * A whole call refused for what it carried (a request over the peer's size limit, a batch the
 * peer finds invalid) fails its keys alone, so the rest of a big load still goes in; any other
 * failure (unreachable, deadline, …) is thrown and stops the command: the next calls would fail too.
 */
export function perKeyFailure(err: unknown): { code: string; message: string } | undefined {
  if (!(err instanceof ConnectError) || retryAfterMs(err) !== undefined) return undefined; // a rate limit is about pace, not content
  if (err.code !== Code.InvalidArgument && err.code !== Code.ResourceExhausted && err.code !== Code.OutOfRange) return undefined;
  return { code: Code[err.code].replace(/[A-Z]/g, (c, i: number) => (i ? "_" : "") + c.toLowerCase()), message: `whole batch refused: ${err.rawMessage}` };
}

/**
 * The end of load or delete-many: `stored N keys, F failed` and the first failures (with
 * --json one document with the counts and up to 100 failures), then a CliError with the exit
 * code of the failures when there were any.
 */
export function writeSummary(ctx: CommandContext, verb: "stored" | "deleted", tally: Tally, extra: Record<string, unknown> = {}): void {
  const lines = [`${verb} ${tally.ok} keys, ${tally.failed} failed`, ...failureLines(tally.failures, SHOWN_FAILURES)];
  if (tally.failed > SHOWN_FAILURES) lines.push(`  … and ${tally.failed - SHOWN_FAILURES} more (--json lists up to ${tally.failures.length})`);
  emit(ctx, { [verb]: tally.ok, failed: tally.failed, failedByCode: tally.codes(), failures: tally.failures.map((f) => ({ key: f.key, ...(f.lineNo !== undefined ? { line: f.lineNo } : {}), code: f.code, message: f.message })), ...extra }, lines);
}

/** The error that makes the exit code of a batch with failed keys (the summary is already out). */
export function failedKeysError(tally: Tally): CliError | undefined {
  const code = tally.exitCode();
  if (code === ExitCode.ok) return undefined;
  const kinds = [...tally.byCode].map(([c, n]) => `${n} ${c}`).join(", ");
  return new CliError(`${tally.failed} of ${tally.ok + tally.failed} keys failed (${kinds})`, code);
}

/** A key's outcome of PutMany or DeleteMany, as the commands use it. */
export interface Written {
  key: string;
  error?: { code: string; message: string };
}
