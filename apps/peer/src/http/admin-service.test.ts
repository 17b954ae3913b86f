import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import { adminGuard, readAdminToken } from "./admin-service.js";
import { REMOTE_ADDRESS } from "./remote-address.js";

const TOKEN = "t".repeat(40);

/** Runs the guard on a request from `from` with `authorization`; "served" when it reached the handler. */
async function call(token: string | undefined, from: string, authorization?: string): Promise<string> {
  const req = {
    contextValues: createContextValues().set(REMOTE_ADDRESS, from),
    header: new Headers(authorization ? { authorization } : {}),
    method: { name: "Leave" },
  };
  const next = async () => "served";
  try {
    return (await adminGuard(token)(next as never)(req as never)) as unknown as string;
  } catch (err) {
    const e = ConnectError.from(err);
    assert.equal(e.code, Code.PermissionDenied);
    return `refused: ${e.rawMessage}`;
  }
}

test("the admin guard serves loopback, and others only with the peer's token", async () => {
  for (const from of ["127.0.0.1", "127.8.0.2", "::1", "::ffff:127.0.0.1"]) assert.equal(await call(undefined, from), "served", from);
  assert.match(await call(undefined, "10.0.0.7"), /^refused: Leave is an admin call: accepted from this machine only \(start the peer with --admin-token-file/);
  assert.match(await call(undefined, "10.0.0.7", `Bearer ${TOKEN}`), /^refused/);
  assert.equal(await call(TOKEN, "10.0.0.7", `Bearer ${TOKEN}`), "served");
  assert.match(await call(TOKEN, "10.0.0.7", `Bearer ${TOKEN.slice(1)}x`), /^refused: .* or with "authorization: Bearer <admin token>"/);
  assert.match(await call(TOKEN, "", `Basic ${TOKEN}`), /not from an unknown address/);
});

test("an admin token file must hold one token of at least 32 characters", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "admin-token-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "token");
  await writeFile(file, `${TOKEN}\n`);
  assert.equal(await readAdminToken(file), TOKEN);
  await writeFile(file, "short\n");
  await assert.rejects(readAdminToken(file), /must hold one token of at least 32 characters/);
  await writeFile(file, `${TOKEN} ${TOKEN}`);
  await assert.rejects(readAdminToken(file), /without spaces/);
  await assert.rejects(readAdminToken(join(dir, "missing")), /--admin-token-file: cannot read .*missing: ENOENT/);
});
