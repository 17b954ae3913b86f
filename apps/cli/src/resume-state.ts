/**
 * The sidecar of a partial download (`FILE.part.state`): which file the `.part` belongs to and
 * which of its chunks were verified against the manifest, as a bitfield, since chunks arrive
 * out of order. It is a hint, never trusted blindly: a sidecar that does not parse, names
 * another file or manifest, has a bitfield of the wrong length, or claims bytes the `.part`
 * does not hold is discarded, and every chunk it marks is hashed again before the download
 * continues (chunk-verifier.ts).
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { Bitfield } from "./bitfield.js";
import { chunkSpan } from "./manifest.js";

/** Written today: a bitfield of verified chunks. */
export const RESUME_FORMAT = "p2p-download/2";
/** Written before parallel downloads: the count of verified leading chunks, still read. */
export const RESUME_FORMAT_PREFIX = "p2p-download/1";

/** What the sidecar records (format /2). */
export interface ResumeState {
  format: typeof RESUME_FORMAT;
  /** File ID (SHA-256 of the manifest). */
  id: string;
  size: number;
  chunkSize: number;
  chunkCount: number;
  /** Base64 bitfield (bitfield.ts) of the chunks whose SHA-256 matched the manifest. */
  verified: string;
}

/** The manifest facts a sidecar must match. */
export interface ResumeTarget {
  id: string;
  size: number;
  chunkSize: number;
  chunkCount: number;
}

export type ResumeCheck = { ok: true; verified: Bitfield } | { ok: false; reason: string };

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** The verified chunks a sidecar claims, in either format, or why it cannot be read. */
function claimedChunks(s: Record<string, unknown>, chunkCount: number): Bitfield | string {
  if (s.format === RESUME_FORMAT_PREFIX) {
    if (!isCount(s.verifiedChunks)) return "state field verifiedChunks is not a count";
    if (s.verifiedChunks > chunkCount) return "state claims more chunks than the file has";
    return Bitfield.prefix(chunkCount, s.verifiedChunks);
  }
  if (typeof s.verified !== "string") return "state field verified is not a string";
  return Bitfield.parse(s.verified, chunkCount);
}

/**
 * Parses sidecar text and checks it against the manifest and the .part file's size.
 * Answers the chunks it claims (still to be re-hashed), or why the sidecar must be discarded.
 */
export function checkResumeState(text: string, target: ResumeTarget, partBytes: number): ResumeCheck {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: "state file is not JSON" };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, reason: "state file is not an object" };
  const s = raw as Record<string, unknown>;
  if (s.format !== RESUME_FORMAT && s.format !== RESUME_FORMAT_PREFIX) return { ok: false, reason: `unknown state format ${JSON.stringify(s.format)}` };
  if (s.id !== target.id) return { ok: false, reason: "state file belongs to another file" };
  for (const field of ["size", "chunkSize", "chunkCount"] as const) {
    if (!isCount(s[field])) return { ok: false, reason: `state field ${field} is not a count` };
  }
  if (s.size !== target.size || s.chunkSize !== target.chunkSize || s.chunkCount !== target.chunkCount) {
    return { ok: false, reason: "state file does not match the manifest" };
  }
  const verified = claimedChunks(s, target.chunkCount);
  if (typeof verified === "string") return { ok: false, reason: verified };
  const marked = verified.indexes();
  const claimedEnd = marked.length === 0 ? 0 : chunkSpan(target, marked[marked.length - 1]!).end;
  if (partBytes < claimedEnd) return { ok: false, reason: `partial file holds ${partBytes} bytes, state claims ${claimedEnd}` };
  return { ok: true, verified };
}

/** The sidecar's text for these verified chunks of `target`. */
export function formatResumeState(target: ResumeTarget, verified: Bitfield): string {
  const state: ResumeState = { format: RESUME_FORMAT, id: target.id, size: target.size, chunkSize: target.chunkSize, chunkCount: target.chunkCount, verified: verified.toBase64() };
  return JSON.stringify(state) + "\n";
}

/** Reads a sidecar; undefined when there is none. */
export async function readResumeState(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Writes a sidecar atomically (temp file + rename), so a kill never leaves half a state. */
export async function writeResumeState(path: string, target: ResumeTarget, verified: Bitfield): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, formatResumeState(target, verified));
  await rename(tmp, path);
}
