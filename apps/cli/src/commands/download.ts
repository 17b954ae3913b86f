/**
 * `p2p download ID [-o FILE]`: streams a file with the DownloadFile RPC into `FILE.part`,
 * verifying each chunk against the manifest (which is itself checked against the ID) and
 * recording the verified chunks in `FILE.part.state` after each one. A rerun after an
 * interruption re-verifies that prefix and continues from it (DownloadFile's offset); the
 * complete, verified file is then renamed into place.
 */
import { open, rename, rm, stat } from "node:fs/promises";
import { basename } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { verifiedPrefix, ChunkVerifier } from "../chunk-verifier.js";
import { unaryCall } from "../clients.js";
import { emit, note, type CommandContext } from "../context.js";
import { fileBody } from "../file-body.js";
import { corruptError, usageError } from "../errors.js";
import { checkManifest, manifestOf, type Manifest } from "../manifest.js";
import { parseByteRate, validateFileId } from "../options.js";
import { startProgress, wantsBar } from "../progress.js";
import { createPacer } from "../rate-limit.js";
import { checkResumeState, readResumeState, verifiedBytes, writeResumeState, RESUME_FORMAT, type ResumeTarget } from "../resume-state.js";

export interface DownloadFlags {
  output?: string;
  limitRate?: string;
}

/** Where to continue: the verified prefix of a previous run, or 0 (with the reason it was discarded). */
async function resumePoint(ctx: CommandContext, part: string, statePath: string, target: ResumeTarget, manifest: Manifest): Promise<number> {
  const text = await readResumeState(statePath);
  const partBytes = (await stat(part).catch(() => undefined))?.size ?? 0;
  if (text === undefined) return 0;
  const check = checkResumeState(text, target, partBytes);
  if (!check.ok) {
    note(ctx, `p2p: discarding ${basename(part)}: ${check.reason}`);
    return 0;
  }
  const good = await verifiedPrefix(part, manifest, check.state.verifiedChunks);
  if (good < check.state.verifiedChunks) note(ctx, `p2p: ${basename(part)}: only ${good} of ${check.state.verifiedChunks} recorded chunks still match; continuing from there`);
  return good;
}

export async function download(ctx: CommandContext, id: string, flags: DownloadFlags): Promise<void> {
  validateFileId(id);
  const rate = flags.limitRate === undefined ? undefined : parseByteRate(flags.limitRate);
  const got = await ctx.client.getFileManifest({ id }, unaryCall(ctx.opts, ctx.signal));
  if (!got.manifest) throw corruptError(`the peer sent no manifest for ${id}`);
  const manifest = manifestOf(got.manifest);
  checkManifest(id, manifest);
  const out = flags.output ?? basename(manifest.name);
  if (!out || out === "." || out === "..") throw usageError(`cannot derive an output file name from ${JSON.stringify(manifest.name)}; pass -o FILE`);
  const part = `${out}.part`;
  const statePath = `${part}.state`;
  const target: ResumeTarget = { id, size: manifest.size, chunkSize: manifest.chunkSize, chunkCount: manifest.chunks.length };

  const startChunk = await resumePoint(ctx, part, statePath, target, manifest);
  const offset = verifiedBytes(target, startChunk);
  const fh = await open(part, startChunk > 0 ? "r+" : "w");
  let position = offset;
  const bar = startProgress(wantsBar(ctx.opts), "download", manifest.size, offset);
  try {
    await fh.truncate(offset);
    const saveState = (verifiedChunks: number) => writeResumeState(statePath, { format: RESUME_FORMAT, ...target, verifiedChunks });
    await saveState(startChunk);
    // The state is written after the chunk's bytes: a kill between the two loses a chunk, never trusts one.
    const verifier = new ChunkVerifier(manifest, startChunk, saveState);
    const pacer = createPacer(rate);
    const idle = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const poke = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), ctx.opts.timeoutMs);
    };
    poke();
    try {
      if (offset < manifest.size) {
        // Every byte is checked against the manifest's chunk hashes as it arrives (verifier).
        for await (const data of fileBody(ctx.opts.peer, id, offset, AbortSignal.any([ctx.signal, idle.signal]))) {
          poke();
          if (position + data.byteLength > manifest.size) throw corruptError(`the peer sent more than the manifest's ${manifest.size} bytes`);
          await fh.write(data, 0, data.byteLength, position);
          position += data.byteLength;
          await verifier.push(data);
          bar.update(position);
          await pacer.after(data.byteLength, ctx.signal);
        }
      }
    } catch (err) {
      if (idle.signal.aborted && !ctx.signal.aborted) throw new ConnectError(`no data for ${ctx.opts.timeoutMs} ms`, Code.DeadlineExceeded);
      throw err;
    } finally {
      clearTimeout(timer);
    }
    if (!verifier.complete || position !== manifest.size) throw corruptError(`the stream ended after ${position} of ${manifest.size} bytes`);
    await fh.sync();
  } finally {
    // On a corrupt chunk the state already stops before it, so a rerun refetches it.
    bar.stop();
    await fh.close();
  }
  await rename(part, out);
  await rm(statePath, { force: true });
  emit(
    ctx,
    { id, name: manifest.name, path: out, size: manifest.size, chunks: manifest.chunks.length, resumedFrom: offset, bytesDownloaded: position - offset },
    offset > 0 ? `${out}: ${manifest.size} bytes (resumed from ${offset})` : `${out}: ${manifest.size} bytes`,
  );
}
