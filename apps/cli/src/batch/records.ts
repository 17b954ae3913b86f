/**
 * The items of the batch commands, parsed from lines: `{"key": …, "value": …}` NDJSON for
 * load, one key per line for --keys-from. Every error names the input, the line and the field,
 * and is a usage error (exit 2). Other fields of an object are ignored, so the output of
 * `p2p --json get-many` loads back as it is.
 */
import { usageError } from "../errors.js";
import { validateKey } from "../options.js";
import type { Line } from "./lines.js";

/** One key of a batch, with what the batcher needs: its encoded size and where it came from. */
export interface Item {
  key: string;
  /** Bytes this item adds to a request (key, value and framing), for the per-request byte budget. */
  size: number;
  /** Bytes of input it took (for progress); a blank line's bytes go to the next item. */
  inputBytes: number;
  /** 1-based line in the input; undefined for keys given as arguments. */
  lineNo?: number;
}

export interface Entry extends Item {
  value: string;
}

/** Protobuf framing of one entry (tags and lengths), rounded up. */
const FRAMING = 16;

/** An NDJSON line of load: undefined for a blank line. */
export function parseEntryLine(line: Line, name: string): Omit<Entry, "inputBytes"> | undefined {
  if (!line.text.trim()) return undefined;
  const where = `${name} line ${line.lineNo}`;
  let doc: unknown;
  try {
    doc = JSON.parse(line.text);
  } catch (err) {
    throw usageError(`${where}: not JSON (${(err as Error).message})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw usageError(`${where}: expected an object {"key": …, "value": …}, got ${describe(doc)}`);
  const { key, value } = doc as Record<string, unknown>;
  if (typeof key !== "string") throw usageError(`${where}: key: expected a string, got ${describe(key)}`);
  validateKey(key, `${where}: key`);
  if (typeof value !== "string") throw usageError(`${where}: value: expected a string, got ${describe(value)}`);
  return { key, value, lineNo: line.lineNo, size: Buffer.byteLength(key) + Buffer.byteLength(value) + FRAMING };
}

/** A line of --keys-from: the whole line is the key (spaces included); undefined for an empty line. */
export function parseKeyLine(line: Line, name: string): Omit<Item, "inputBytes"> | undefined {
  if (line.text === "") return undefined;
  validateKey(line.text, `${name} line ${line.lineNo}: key`);
  return { key: line.text, lineNo: line.lineNo, size: Buffer.byteLength(line.text) + FRAMING };
}

/** A key given as an argument, checked with its position. */
export function argumentKey(key: string, index: number): Item {
  validateKey(key, `key ${index + 1} (${JSON.stringify(key.length > 40 ? key.slice(0, 40) + "…" : key)})`);
  return { key, size: Buffer.byteLength(key) + FRAMING, inputBytes: 0 };
}

/**
 * Items from lines: blank lines skipped (their bytes credited to the next item, so progress
 * over a file's size ends at 100 %), a malformed one thrown when reached.
 */
export async function* itemsOf<T extends Item>(lines: AsyncIterable<Line>, parse: (line: Line) => Omit<T, "inputBytes"> | undefined): AsyncGenerator<T> {
  let skipped = 0;
  for await (const line of lines) {
    const item = parse(line);
    if (!item) {
      skipped += line.bytes;
      continue;
    }
    yield { ...item, inputBytes: skipped + line.bytes } as T;
    skipped = 0;
  }
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "string" ? "a string" : typeof v === "object" ? "an object" : `a ${typeof v}`;
}
