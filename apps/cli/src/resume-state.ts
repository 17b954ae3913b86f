/**
 * The sidecar of a partial download (`FILE.part.state`): which file the `.part` belongs to and
 * how many of its leading chunks were verified against the manifest. It is a hint, never
 * trusted blindly: a sidecar that does not parse, names another file or manifest, or claims
 * more bytes than the `.part` holds is discarded, and the verified prefix is hashed again
 * before the download continues (download.ts).
 */
import { readFile, rename, writeFile } from "node:fs/promises";

export const RESUME_FORMAT = "p2p-download/1";

/** What the sidecar records. */
export interface ResumeState {
  format: typeof RESUME_FORMAT;
  /** File ID (SHA-256 of the manifest). */
  id: string;
  size: number;
  chunkSize: number;
  chunkCount: number;
  /** Leading chunks of the .part file whose SHA-256 matched the manifest. */
  verifiedChunks: number;
}

/** The manifest facts a sidecar must match. */
export interface ResumeTarget {
  id: string;
  size: number;
  chunkSize: number;
  chunkCount: number;
}

export type ResumeCheck = { ok: true; state: ResumeState; offset: number } | { ok: false; reason: string };

/** Bytes covered by `verifiedChunks` leading chunks of a file (the last chunk may be short). */
export function verifiedBytes(target: Pick<ResumeTarget, "size" | "chunkSize">, verifiedChunks: number): number {
  return Math.min(target.size, verifiedChunks * target.chunkSize);
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/**
 * Parses sidecar text and checks it against the manifest and the .part file's size.
 * Answers the offset to continue from, or why the sidecar must be discarded.
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
  if (s.format !== RESUME_FORMAT) return { ok: false, reason: `unknown state format ${JSON.stringify(s.format)}` };
  if (s.id !== target.id) return { ok: false, reason: "state file belongs to another file" };
  for (const field of ["size", "chunkSize", "chunkCount", "verifiedChunks"] as const) {
    if (!isCount(s[field])) return { ok: false, reason: `state field ${field} is not a count` };
  }
  if (s.size !== target.size || s.chunkSize !== target.chunkSize || s.chunkCount !== target.chunkCount) {
    return { ok: false, reason: "state file does not match the manifest" };
  }
  const verifiedChunks = s.verifiedChunks as number;
  if (verifiedChunks > target.chunkCount) return { ok: false, reason: "state claims more chunks than the file has" };
  const offset = verifiedBytes(target, verifiedChunks);
  if (partBytes < offset) return { ok: false, reason: `partial file holds ${partBytes} bytes, state claims ${offset}` };
  const state: ResumeState = { format: RESUME_FORMAT, id: target.id, size: target.size, chunkSize: target.chunkSize, chunkCount: target.chunkCount, verifiedChunks };
  return { ok: true, state, offset };
}

/** The sidecar's text for a state. */
export function formatResumeState(state: ResumeState): string {
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
export async function writeResumeState(path: string, state: ResumeState): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, formatResumeState(state));
  await rename(tmp, path);
}
