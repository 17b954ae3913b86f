import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The fleet token (`<dir>/token`, mode 0600): created at the first start and printed once.
 * Returns it with `created` true when it was just made.
 */
export async function loadOrCreateToken(dir: string): Promise<{ token: string; created: boolean }> {
  const path = join(dir, "token");
  try {
    const token = (await readFile(path, "utf8")).trim();
    if (!/^[0-9a-f]{64}$/.test(token)) throw new Error(`${path}: expected 64 hex characters; delete it to create a new token`);
    return { token, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const token = randomBytes(32).toString("hex");
  // "wx": never overwrite a token another controller just wrote.
  await writeFile(path, token + "\n", { mode: 0o600, flag: "wx" });
  return { token, created: true };
}

/** Constant-time check of an `authorization: Bearer <token>` header value. */
export function bearerMatches(header: string | null, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!m) return false;
  const given = Buffer.from(m[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
