/**
 * What a launcher may ask of another process by its pid: is it alive, what is its command
 * line, is it the peer of this data dir. A pid can be reused by an unrelated process once its
 * owner exits, so nothing is ever signalled on a pid alone: `isPeerOf` checks that the process
 * really is the peer it is taken for.
 */
import { readFile } from "node:fs/promises";
import { nodeClient } from "./node-client.js";

/**
 * True while a process with this pid exists (EPERM: it exists but is not ours to signal).
 * pid ≤ 0 is never alive: kill(0) would address our own process group, kill(-n) a group.
 */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The process's command line, one argument per element, from Linux's /proc; undefined where
 * there is no /proc (other systems) or no such process.
 */
export async function commandLine(pid: number): Promise<string[] | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, "utf8");
    return raw.split("\0").filter((arg, i, all) => arg !== "" || i < all.length - 1);
  } catch {
    return undefined;
  }
}

/** What a launcher remembers of a peer it started. */
export interface KnownPeer {
  pid: number;
  /** Absolute data dir, as passed on its command line. */
  dataDir: string;
  /** Its ID and HTTP address, when it was ever ready (for systems without /proc). */
  id?: string;
  httpAddress?: string;
}

/**
 * True when `peer.pid` is still that peer: its command line names its data dir (Linux), or,
 * without /proc, the process answering at its last HTTP address reports its ID.
 */
export async function isPeerOf(peer: KnownPeer): Promise<boolean> {
  if (!isAlive(peer.pid)) return false;
  const args = await commandLine(peer.pid);
  if (args) return args.includes(peer.dataDir);
  if (!peer.id || !peer.httpAddress) return false;
  try {
    const info = await nodeClient(peer.httpAddress, { timeoutMs: 1000 }).info({});
    return info.id === peer.id;
  } catch {
    return false;
  }
}
