/**
 * Lines of a file or stdin, read in pieces so that a file of any size takes bounded memory:
 * only the current line is held, and a line longer than `maxLineBytes` is an error instead of
 * a buffer that grows without end. Lines are numbered from 1 (for error messages), a final line
 * without a newline counts, "\r\n" endings and a leading UTF-8 BOM are dropped.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { usageError } from "../errors.js";

export interface Line {
  /** 1-based line number. */
  lineNo: number;
  text: string;
  /** Bytes of input this line took, newline included (for progress over a file's size). */
  bytes: number;
}

const NL = 0x0a;

export async function* splitLines(source: AsyncIterable<Buffer | string>, maxLineBytes: number, name = "input"): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  const finish = (tail: Buffer, newline: boolean): Line => {
    const whole = pending.length ? Buffer.concat([...pending, tail]) : tail;
    pending = [];
    pendingBytes = 0;
    lineNo++;
    let text = whole.toString("utf8");
    if (text.endsWith("\r")) text = text.slice(0, -1);
    if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { lineNo, text, bytes: whole.byteLength + (newline ? 1 : 0) };
  };
  for await (const part of source) {
    const buf = typeof part === "string" ? Buffer.from(part) : part;
    let start = 0;
    for (let nl = buf.indexOf(NL, start); nl !== -1; nl = buf.indexOf(NL, start)) {
      if (pendingBytes + nl - start > maxLineBytes) throw tooLong(name, lineNo + 1, maxLineBytes);
      yield finish(buf.subarray(start, nl), true);
      start = nl + 1;
    }
    if (start < buf.length) {
      pendingBytes += buf.length - start;
      if (pendingBytes > maxLineBytes) throw tooLong(name, lineNo + 1, maxLineBytes);
      // Copy: the stream may reuse its buffer, and a subarray would pin the whole chunk.
      pending.push(Buffer.from(buf.subarray(start)));
    }
  }
  if (pendingBytes > 0) yield finish(Buffer.alloc(0), false);
}

function tooLong(name: string, lineNo: number, max: number) {
  return usageError(`${name} line ${lineNo}: longer than ${max} bytes`);
}

/** An input named on the command line: a file path, or "-" for stdin; with its size when known (a regular file). */
export async function openInput(path: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<{ stream: AsyncIterable<Buffer | string>; name: string; size?: number }> {
  if (path === "-") return { stream: stdin as AsyncIterable<Buffer | string>, name: "stdin" };
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw usageError(`${path}: ${err.code === "ENOENT" ? "no such file" : err.code === "EACCES" ? "permission denied" : err.message}`);
  });
  if (info.isDirectory()) throw usageError(`${path}: is a directory`);
  return { stream: createReadStream(path, { highWaterMark: 64 * 1024 }), name: path, size: info.isFile() ? info.size : undefined };
}
