/** Reading a value from stdin (`p2p put KEY -`), bounded so a runaway pipe cannot fill memory. */
import { usageError } from "./errors.js";

/** Stdin as UTF-8 text; refuses more than `maxBytes` (the peer would refuse it anyway). */
export async function readStdin(maxBytes: number, stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const part of stdin as AsyncIterable<Buffer | string>) {
    const buf = typeof part === "string" ? Buffer.from(part) : part;
    total += buf.byteLength;
    if (total > maxBytes) throw usageError(`value: stdin holds more than ${maxBytes} bytes`);
    parts.push(buf);
  }
  return Buffer.concat(parts).toString("utf8");
}
