import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IDENTITY_KEY_FILE_NAME, IdentityKeyFileError, readIdentityKeyFile, writeIdentityKeyFile } from "./identity-key-file.js";
import { loadIdentity, PeerIdentity } from "./peer-identity.js";

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "p2p-identity-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A legacy source (the database of older runs) that records what was asked of it. */
function legacy(key: Uint8Array | undefined) {
  const calls: string[] = [];
  let held = key;
  return {
    calls,
    loadLegacyIdentityKey() {
      calls.push("load");
      return held;
    },
    async forgetLegacyIdentityKey() {
      calls.push("forget");
      held = undefined;
    },
  };
}

describe("identity.key", () => {
  test("written as a 0600 PEM file with no temp file left, and read back", (t) => {
    const dir = tempDir(t);
    const id = PeerIdentity.generate();
    assert.equal(readIdentityKeyFile(dir), undefined);
    writeIdentityKeyFile(dir, id.exportPrivateKey());
    const file = join(dir, IDENTITY_KEY_FILE_NAME);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(readFileSync(file, "utf8"), /^-----BEGIN PRIVATE KEY-----\n/);
    assert.deepEqual(readdirSync(dir), [IDENTITY_KEY_FILE_NAME]);
    assert.equal(PeerIdentity.fromPrivateKey(readIdentityKeyFile(dir)!).id, id.id);
  });

  test("a damaged identity.key is an error naming the file, never a new ID", async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, IDENTITY_KEY_FILE_NAME), "-----BEGIN PRIVATE KEY-----\ngarbage\n");
    assert.throws(() => readIdentityKeyFile(dir), (err: Error) => {
      assert.ok(err instanceof IdentityKeyFileError);
      assert.match(err.message, new RegExp(`^identity key ${join(dir, IDENTITY_KEY_FILE_NAME)}: not a PEM private key`));
      return true;
    });
    await assert.rejects(loadIdentity(dir), IdentityKeyFileError);
  });

  test("loadIdentity: created on first start, the same on the next", async (t) => {
    const dir = tempDir(t);
    const first = await loadIdentity(dir, legacy(undefined));
    assert.equal(first.source, "created");
    const second = await loadIdentity(dir, legacy(undefined));
    assert.equal(second.source, "file");
    assert.equal(second.identity.id, first.identity.id);
  });

  test("loadIdentity: the key an older run kept in the database moves to identity.key, then is forgotten there", async (t) => {
    const dir = tempDir(t);
    const old = PeerIdentity.generate();
    const db = legacy(old.exportPrivateKey());
    const { identity, source } = await loadIdentity(dir, db);
    assert.equal(source, "migrated");
    assert.equal(identity.id, old.id);
    assert.deepEqual(db.calls, ["load", "forget"]);
    assert.equal(PeerIdentity.fromPrivateKey(readIdentityKeyFile(dir)!).id, old.id);
    // identity.key wins from then on; the database is not even asked.
    const again = legacy(PeerIdentity.generate().exportPrivateKey());
    assert.equal((await loadIdentity(dir, again)).identity.id, old.id);
    assert.deepEqual(again.calls, []);
  });
});
