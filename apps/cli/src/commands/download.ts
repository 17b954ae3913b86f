/**
 * `p2p download ID [-o FILE] [--parallel N]`: fetches the file chunk by chunk, up to N chunks
 * at a time, each with a Range request (file-body.ts) written at its own offset of
 * `FILE.part` and checked against the manifest (itself checked against the ID) as it arrives.
 * The verified chunks are recorded as a bitfield in `FILE.part.state` (resume-state.ts) while
 * the download runs and when it fails or is interrupted. A rerun re-hashes the chunks the
 * sidecar marks and fetches only the others; the complete file is then renamed into place.
 */
import { open, rename, rm, stat } from "node:fs/promises";
import { basename } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { Bitfield } from "../bitfield.js";
import { ChunkCheck, recheckChunks } from "../chunk-verifier.js";
import { runPool } from "../chunk-pool.js";
import { unaryCall } from "../clients.js";
import { emit, note, type CommandContext } from "../context.js";
import { rangeBody } from "../file-body.js";
import { corruptError, usageError } from "../errors.js";
import { checkManifest, chunkSpan, manifestOf, type Manifest } from "../manifest.js";
import { parseByteRate, parsePositiveInt, validateFileId } from "../options.js";
import { startProgress, wantsBar } from "../progress.js";
import { createPacer } from "../rate-limit.js";
import { checkResumeState, readResumeState, writeResumeState, type ResumeTarget } from "../resume-state.js";
import { StateSaver } from "../state-saver.js";

/** Chunks in flight by default: enough to hide a round trip per chunk, few enough to be gentle on one peer. */
export const DEFAULT_PARALLEL = 4;
/** The peer fetches a window of chunks per request itself; more than this only queues there. */
export const MAX_PARALLEL = 32;

export interface DownloadFlags {
  output?: string;
  limitRate?: string;
  parallel?: string;
}

/** The chunks a previous run verified that still hash right; none (with the reason shown) when its sidecar is unusable. */
async function resumePoint(ctx: CommandContext, part: string, statePath: string, target: ResumeTarget, manifest: Manifest): Promise<Bitfield> {
  const none = Bitfield.empty(target.chunkCount);
  const text = await readResumeState(statePath);
  if (text === undefined) return none;
  const partBytes = (await stat(part).catch(() => undefined))?.size ?? 0;
  const check = checkResumeState(text, target, partBytes);
  if (!check.ok) {
    note(ctx, `p2p: discarding ${basename(part)}: ${check.reason}`);
    return none;
  }
  const good = await recheckChunks(part, manifest, check.verified);
  const claimed = check.verified.count();
  if (good.count() < claimed) note(ctx, `p2p: ${basename(part)}: only ${good.count()} of ${claimed} recorded chunks still match; fetching the others again`);
  return good;
}

const bytesOf = (m: Manifest, chunks: Bitfield) =>
  chunks.indexes().reduce((n, i) => {
    const { start, end } = chunkSpan(m, i);
    return n + end - start;
  }, 0);

export async function download(ctx: CommandContext, id: string, flags: DownloadFlags): Promise<void> {
  validateFileId(id);
  const rate = flags.limitRate === undefined ? undefined : parseByteRate(flags.limitRate);
  const parallel = flags.parallel === undefined ? DEFAULT_PARALLEL : parsePositiveInt(flags.parallel, "--parallel", 1, MAX_PARALLEL);
  const got = await ctx.client.getFileManifest({ id }, unaryCall(ctx.opts, ctx.signal));
  if (!got.manifest) throw corruptError(`the peer sent no manifest for ${id}`);
  const manifest = manifestOf(got.manifest);
  checkManifest(id, manifest);
  const out = flags.output ?? basename(manifest.name);
  if (!out || out === "." || out === "..") throw usageError(`cannot derive an output file name from ${JSON.stringify(manifest.name)}; pass -o FILE`);
  const part = `${out}.part`;
  const statePath = `${part}.state`;
  const target: ResumeTarget = { id, size: manifest.size, chunkSize: manifest.chunkSize, chunkCount: manifest.chunks.length };

  const verified = await resumePoint(ctx, part, statePath, target, manifest);
  const resumedFrom = bytesOf(manifest, verified);
  const missing = verified.missing();
  // "w" only when nothing is kept: it truncates whatever an unusable sidecar left behind.
  const fh = await open(part, verified.count() > 0 ? "r+" : "w");
  const saver = new StateSaver(verified, (snapshot) => writeResumeState(statePath, target, snapshot));
  let received = 0;
  const bar = startProgress(wantsBar(ctx.opts), "download", manifest.size, resumedFrom);
  const pacer = createPacer(rate); // shared: --limit-rate bounds the sum over all chunks in flight

  const fetchOne = async (i: number): Promise<void> => {
    const { start, end } = chunkSpan(manifest, i);
    const check = new ChunkCheck(manifest, i);
    const idle = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const poke = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), ctx.opts.timeoutMs);
    };
    const signal = AbortSignal.any([ctx.signal, idle.signal]);
    let position = start;
    poke();
    try {
      for await (const data of rangeBody(ctx.opts.peer, id, start, end, signal)) {
        poke();
        check.update(data); // before the write: bytes past the chunk never reach its neighbour
        await fh.write(data, 0, data.byteLength, position);
        position += data.byteLength;
        received += data.byteLength;
        bar.update(resumedFrom + received);
        await pacer.after(data.byteLength, signal);
      }
    } catch (err) {
      if (idle.signal.aborted && !ctx.signal.aborted) throw new ConnectError(`chunk ${i}: no data for ${ctx.opts.timeoutMs} ms`, Code.DeadlineExceeded);
      throw err;
    } finally {
      clearTimeout(timer);
    }
    check.finish();
    // Marked only after its bytes were written: a kill between the two loses a chunk, never trusts one.
    verified.set(i);
    saver.changed();
  };

  try {
    saver.changed();
    await saver.flush(); // the sidecar exists (in today's format) before the first byte moves
    await runPool(missing, parallel, fetchOne);
    if (verified.count() !== target.chunkCount) throw corruptError(`only ${verified.count()} of ${target.chunkCount} chunks arrived`);
    await fh.sync();
  } catch (err) {
    // Keep what arrived for the rerun: a corrupt chunk, a network error or Ctrl-C lose only chunks in flight.
    await saver.flush().catch(() => {});
    throw err;
  } finally {
    bar.stop();
    await fh.close();
  }
  await saver.discard(); // a save still pending would recreate the sidecar after the rm below
  await rename(part, out);
  await rm(statePath, { force: true });
  emit(
    ctx,
    { id, name: manifest.name, path: out, size: manifest.size, chunks: manifest.chunks.length, chunksFetched: missing.length, resumedFrom, bytesDownloaded: manifest.size - resumedFrom },
    resumedFrom > 0 ? `${out}: ${manifest.size} bytes (${verified.count() - missing.length} chunks kept from an earlier run)` : `${out}: ${manifest.size} bytes`,
  );
}
