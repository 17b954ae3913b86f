/**
 * The peer's private key in its own file, `<dataDir>/identity.key` (PKCS#8 PEM, readable with
 * `openssl pkey`). Outside the database on purpose: a damaged database is moved aside and
 * refilled from the other replicas (--recover), but a lost key would give the peer a new ID,
 * so every record it held would have to move to where the new ID puts it.
 *
 * Written once, atomically (temp file, fsync, rename, fsync of the dir), so a crash at any
 * point leaves either no file or the whole key; mode 0600, since it is a secret.
 */
import { readFileSync } from "node:fs";
import { writeSecretFile } from "./secret-file.js";
import { join } from "node:path";
import { createPrivateKey } from "node:crypto";

export const IDENTITY_KEY_FILE_NAME = "identity.key";

/** identity.key exists but does not hold a private key. */
export class IdentityKeyFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`identity key ${file}: ${problem}; restore it from a backup, or delete it to start under a new ID`, options);
    this.name = "IdentityKeyFileError";
  }
}

/**
 * The private key (PKCS#8 DER) kept in `dataDir`, or undefined when there is no file.
 * @throws IdentityKeyFileError when the file exists but holds no private key.
 */
export function readIdentityKeyFile(dataDir: string): Uint8Array | undefined {
  const file = join(dataDir, IDENTITY_KEY_FILE_NAME);
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new IdentityKeyFileError(file, `cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  try {
    return new Uint8Array(createPrivateKey({ key: pem, format: "pem" }).export({ format: "der", type: "pkcs8" }));
  } catch (err) {
    throw new IdentityKeyFileError(file, "not a PEM private key", { cause: err });
  }
}

/** Writes `pkcs8Der` to `dataDir`/identity.key atomically and durably (see the module comment). */
export function writeIdentityKeyFile(dataDir: string, pkcs8Der: Uint8Array): void {
  const file = join(dataDir, IDENTITY_KEY_FILE_NAME);
  const pem = createPrivateKey({ key: Buffer.from(pkcs8Der), format: "der", type: "pkcs8" }).export({ format: "pem", type: "pkcs8" }) as string;
  writeSecretFile(file, pem);
}
