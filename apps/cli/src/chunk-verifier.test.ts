import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bitfield } from "./bitfield.js";
import { ChunkCheck, recheckChunks } from "./chunk-verifier.js";
import type { Manifest } from "./manifest.js";

function manifestOf(data: Buffer, chunkSize: number): Manifest {
  const chunks: string[] = [];
  for (let o = 0; o < data.length; o += chunkSize) chunks.push(createHash("sha256").update(data.subarray(o, o + chunkSize)).digest("hex"));
  return { name: "f", size: data.length, mediaType: "application/octet-stream", chunkSize, chunks };
}

const data = randomBytes(2500);
const m = manifestOf(data, 1000);
const isCorrupt = (re: RegExp) => (err: Error & { exitCode?: number }) => err.exitCode === 6 && re.test(err.message);

test("a chunk's check accepts its bytes in any slicing and refuses short, long or wrong bytes", () => {
  const c = new ChunkCheck(m, 2);
  for (let o = 2000; o < 2500; o += 33) c.update(data.subarray(o, Math.min(o + 33, 2500)));
  c.finish();
  const short = new ChunkCheck(m, 0);
  short.update(data.subarray(0, 999));
  assert.throws(() => short.finish(), isCorrupt(/chunk 0: the stream ended after 999 of 1000/));
  const long = new ChunkCheck(m, 2);
  long.update(data.subarray(2000, 2400));
  assert.throws(() => long.update(Buffer.alloc(101)), isCorrupt(/more than its 500 bytes/));
  const wrong = new ChunkCheck(m, 1);
  const bad = Buffer.from(data.subarray(1000, 2000));
  bad[10]! ^= 1;
  wrong.update(bad);
  assert.throws(() => wrong.finish(), isCorrupt(/chunk 1: SHA-256/));
});

test("the chunks a sidecar claims are re-hashed one by one: a flipped byte or a short file unmarks only that chunk", async () => {
  const dir = await mkdtemp(join(tmpdir(), "p2p-cli-recheck-"));
  try {
    const path = join(dir, "f.part");
    const claimed = Bitfield.prefix(3, 3);
    // chunk 1 never arrived: its bytes are zeros (a hole), but the sidecar claims it
    const part = Buffer.from(data);
    part.fill(0, 1000, 2000);
    await writeFile(path, part);
    assert.deepEqual((await recheckChunks(path, m, claimed)).indexes(), [0, 2]);
    const only2 = Bitfield.empty(3);
    only2.set(2);
    assert.deepEqual((await recheckChunks(path, m, only2)).indexes(), [2], "unclaimed chunks are not read");
    await writeFile(path, data.subarray(0, 2400));
    assert.deepEqual((await recheckChunks(path, m, claimed)).indexes(), [0, 1], "a short file verifies nothing past its end");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
