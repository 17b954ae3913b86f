import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CollectedDeletes, sha256Hex, type Version } from "@p2p/dht";
import { openPeerDatabase } from "./peer-database.js";

const writer = sha256Hex("writer");
const v = (wallMs: number): Version => ({ wallMs, logical: 0, writer });

test("collected deletes survive a reopen of the database, oldest first, within their bound", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "p2p-deletes-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [a, b, c] = ["a", "b", "c"].map(sha256Hex);

  const first = openPeerDatabase(dir);
  const deletes = new CollectedDeletes(2, first.deleteLog);
  await deletes.load();
  await deletes.remember(a!, v(1));
  await deletes.remember(b!, v(2));
  await deletes.remember(c!, v(3)); // forgets a
  assert.equal(deletes.evicted, 1);
  await first.close();

  const second = openPeerDatabase(dir);
  t.after(() => second.close());
  const again = new CollectedDeletes(2, second.deleteLog);
  await again.load();
  assert.equal(again.size, 2);
  assert.equal(again.version(a!), undefined, "the forgotten one stays forgotten");
  assert.deepEqual(again.version(b!), v(2));
  assert.deepEqual(again.covers(c!, v(3)), v(3), "the delete's own version is covered");
  assert.equal(again.covers(c!, v(4)), undefined, "a later write is not");
});

test("a collected delete keeps its writer proof across a reopen, so the tombstone it answers with still verifies", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "p2p-deletes-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const proof = { publicKey: new Uint8Array(32).fill(7), signature: new Uint8Array(64).fill(9) };
  const first = openPeerDatabase(dir);
  const deletes = new CollectedDeletes(10, first.deleteLog);
  await deletes.load();
  await deletes.remember(sha256Hex("signed"), v(5), proof);
  await deletes.remember(sha256Hex("older-run"), v(6));
  const batchProof = { publicKey: new Uint8Array(32).fill(1), signature: new Uint8Array(64).fill(2), path: new Uint8Array(66).fill(1) };
  await deletes.remember(sha256Hex("batch"), v(7), batchProof);
  await first.close();
  const second = openPeerDatabase(dir);
  t.after(() => second.close());
  const again = new CollectedDeletes(10, second.deleteLog);
  await again.load();
  assert.deepEqual(again.entry(sha256Hex("signed")), { version: v(5), proof });
  assert.deepEqual(again.entry(sha256Hex("older-run")), { version: v(6) });
  assert.deepEqual(again.entry(sha256Hex("batch")), { version: v(7), proof: batchProof }, "a batch proof keeps its audit path");
});
