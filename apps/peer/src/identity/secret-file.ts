/**
 * Writes a secret (a private key) to a file atomically and durably: a temporary file created
 * fresh with mode 0600 (a leftover of a crashed run could have other modes, and the key must
 * never be readable by others, not even for an instant), fsynced, renamed into place, and the
 * directory fsynced (the rename lives there: without it a power loss can undo it). A failure
 * leaves no temporary file behind.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export function writeSecretFile(file: string, contents: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeFileSync(fd, contents);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, file);
  const dirFd = openSync(dirname(file), "r");
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
