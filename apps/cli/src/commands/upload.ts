/**
 * `p2p upload FILE`: streams a file to the peer's REST route `PUT /files/<name>` (what
 * `curl -T` does). Read from disk in 64 KiB pieces with backpressure, so memory stays bounded
 * whatever the file size, and every piece is counted for the progress bar.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { basename } from "node:path";
import { pipeline } from "node:stream/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { emit, type CommandContext } from "../context.js";
import { restError, usageError } from "../errors.js";
import { parseByteRate } from "../options.js";
import { startProgress, wantsBar } from "../progress.js";
import { createPacer } from "../rate-limit.js";

export interface UploadFlags {
  name?: string;
  type?: string;
  limitRate?: string;
}

interface UploadAnswer {
  status: number;
  body: string;
}

export async function upload(ctx: CommandContext, file: string, flags: UploadFlags): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw usageError("no such file");
  const rate = flags.limitRate === undefined ? undefined : parseByteRate(flags.limitRate);
  const name = flags.name ?? basename(file);
  if (!name || name.includes("/")) throw usageError(`--name: must be a file name without slashes, got ${JSON.stringify(name)}`);
  const url = new URL(`${ctx.opts.peer}/files/${encodeURIComponent(name)}`);
  if (flags.type) url.searchParams.set("type", flags.type);

  const bar = startProgress(wantsBar(ctx.opts), "upload", info.size);
  const pacer = createPacer(rate);
  let sent = 0;
  const began = performance.now();
  try {
    const answer = await new Promise<UploadAnswer>((resolve, reject) => {
      const req = (url.protocol === "https:" ? https : http).request(url, { method: "PUT", headers: { "content-length": String(info.size) }, signal: ctx.signal }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      });
      // An idle timeout, not a deadline: a 1 GiB upload may take minutes, but never silence.
      req.setTimeout(ctx.opts.timeoutMs, () => req.destroy(new ConnectError(`no progress for ${ctx.opts.timeoutMs} ms`, Code.DeadlineExceeded)));
      req.on("error", reject);
      const counted = async function* (source: AsyncIterable<Buffer>) {
        for await (const piece of source) {
          yield piece;
          sent += piece.byteLength;
          bar.update(sent);
          await pacer.after(piece.byteLength, ctx.signal);
        }
      };
      pipeline(createReadStream(file, { highWaterMark: 64 * 1024 }), counted, req).catch(reject);
    });
    if (answer.status !== 201) throw restError(answer.status, answer.body);
    const result = JSON.parse(answer.body) as { id: string; manifest: { size: number; chunks: string[] } };
    bar.stop();
    const seconds = (performance.now() - began) / 1000;
    emit(ctx, { id: result.id, name, bytes: sent, seconds, manifest: result.manifest }, result.id, false);
  } finally {
    bar.stop();
  }
}
