/**
 * `p2p keygen [-o FILE]`: a new Ed25519 owner key for signed (owned) records. The private key
 * goes to FILE (PKCS#8 PEM, mode 0600, never overwritten) and stays there: `p2p put --sign`
 * signs locally with it. Prints the public key, which readers look records up by.
 */
import { openSync, writeSync, closeSync } from "node:fs";
import { generateOwnerKey } from "@p2p/dht";
import { emit, type CommandContext } from "../context.js";
import { usageError } from "../errors.js";

export const DEFAULT_KEY_FILE = "owner.key";

export async function keygen(ctx: CommandContext, flags: { output?: string }): Promise<void> {
  const file = flags.output ?? DEFAULT_KEY_FILE;
  const { privateKeyPem, publicKey } = generateOwnerKey();
  let fd: number;
  try {
    // "wx": an existing key is never replaced (losing it loses every record it owns); 0600 from the start.
    fd = openSync(file, "wx", 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") throw usageError(`${file} exists: choose another file with -o (a key is never overwritten)`);
    throw err;
  }
  try {
    writeSync(fd, privateKeyPem);
  } finally {
    closeSync(fd);
  }
  const hex = Buffer.from(publicKey).toString("hex");
  emit(ctx, { file, publicKey: hex }, [hex], false);
}
