/**
 * One peer per data dir. LMDB lets several processes share an environment, which for us
 * would mean two peers with the same identity and records: a split brain. So the first
 * process writes its PID into `peer.lock`; a second one fails at once with a message naming
 * the dir and that PID. A lock whose PID is no longer alive (the holder was SIGKILLed) is
 * stale and taken over.
 *
 * Known limits: a dead holder's PID reused by an unrelated process looks alive (the message
 * names the PID so an operator can check); two processes taking over the same stale lock in
 * the same instant can both succeed. Neither happens in normal starts and restarts.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const LOCK_FILE_NAME = "peer.lock";

/** Dirs locked by this process, so a second open in the same process fails too. */
const heldByThisProcess = new Set<string>();

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holderPid: number,
  ) {
    super(
      `data dir ${dataDir} is in use by another peer process (pid ${holderPid}); ` +
        `stop it or choose another --data-dir`,
    );
    this.name = "DataDirLockedError";
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file. Idempotent. */
  release(): void;
}

/** True when a process with this PID exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolderPid(lockPath: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lockPath, "utf8").trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Takes the lock of an existing, writable data dir. Throws DataDirLockedError when a live
 * process holds it (or this process already does).
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const lockPath = join(dataDir, LOCK_FILE_NAME);
  if (heldByThisProcess.has(lockPath)) throw new DataDirLockedError(dataDir, process.pid);
  // Write the PID to a private file first and link it into place: link() fails atomically
  // when the lock exists, and a reader never sees an empty lock file.
  const tmpPath = join(dataDir, `${LOCK_FILE_NAME}.${process.pid}.tmp`);
  writeFileSync(tmpPath, `${process.pid}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmpPath, lockPath);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const holder = readHolderPid(lockPath);
      // Our own PID in a lock we do not hold: left by an earlier process that had our PID.
      const stale = holder === undefined || holder === process.pid || !isProcessAlive(holder);
      if (!stale || attempt >= 2) throw new DataDirLockedError(dataDir, holder ?? 0);
      try {
        unlinkSync(lockPath);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
  } finally {
    unlinkSync(tmpPath);
  }
  heldByThisProcess.add(lockPath);
  let released = false;
  return {
    path: lockPath,
    release() {
      if (released) return;
      released = true;
      heldByThisProcess.delete(lockPath);
      // Only remove the file if it is still ours (never delete a successor's lock).
      if (readHolderPid(lockPath) === process.pid) unlinkSync(lockPath);
    },
  };
}
