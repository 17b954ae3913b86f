import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bitfield } from "./bitfield.js";
import { checkResumeState, formatResumeState, readResumeState, RESUME_FORMAT, RESUME_FORMAT_PREFIX, writeResumeState, type ResumeTarget } from "./resume-state.js";

// 10 chunks of 1000 bytes, the last one 500: the bitfield needs 2 bytes with 6 spare bits.
const target: ResumeTarget = { id: "a".repeat(64), size: 9500, chunkSize: 1000, chunkCount: 10 };
const bits = (...set: number[]) => {
  const b = Bitfield.empty(target.chunkCount);
  for (const i of set) b.set(i);
  return b;
};
const v2 = (over: Record<string, unknown> = {}): string => JSON.stringify({ ...JSON.parse(formatResumeState(target, bits(0, 2, 9))), ...over });
const v1 = (verifiedChunks: unknown, over: Record<string, unknown> = {}): string => JSON.stringify({ format: RESUME_FORMAT_PREFIX, ...target, verifiedChunks, ...over });

test("a /2 sidecar round-trips its bitfield, non-contiguous chunks included", () => {
  const text = formatResumeState(target, bits(0, 2, 9));
  assert.equal(JSON.parse(text).format, RESUME_FORMAT);
  assert.equal(JSON.parse(text).verified, Buffer.from([0b1010_0000, 0b0100_0000]).toString("base64"));
  const r = checkResumeState(text, target, 9500);
  assert.ok(r.ok);
  assert.deepEqual(r.verified.indexes(), [0, 2, 9]);
});

test("an old /1 sidecar reads as a bitfield of its first N chunks", () => {
  const r = checkResumeState(v1(3), target, 3000);
  assert.ok(r.ok);
  assert.deepEqual(r.verified.indexes(), [0, 1, 2]);
  const none = checkResumeState(v1(0), target, 0);
  assert.ok(none.ok && none.verified.count() === 0);
  const all = checkResumeState(v1(10), target, 9500);
  assert.ok(all.ok && all.verified.count() === 10, "the last chunk is short");
});

test("corrupt or mismatching sidecars are discarded with the reason, not trusted", () => {
  const reject = (text: string, reason: RegExp, partBytes = 9500) => {
    const r = checkResumeState(text, target, partBytes);
    assert.equal(r.ok, false, text);
    if (!r.ok) assert.match(r.reason, reason);
  };
  reject("{not json", /not JSON/);
  reject("[]", /not an object/);
  reject("null", /not an object/);
  reject(v2({ format: "p2p-download/3" }), /unknown state format "p2p-download\/3"/);
  reject(v2({ id: "b".repeat(64) }), /another file/);
  reject(v2({ size: 9600 }), /does not match the manifest/);
  reject(v2({ chunkSize: 500 }), /does not match the manifest/);
  reject(v2({ chunkCount: -1 }), /chunkCount is not a count/);
  reject(v2({ verified: 7 }), /verified is not a string/);
  reject(v2({ verified: "!!not base64!!" }), /not base64/);
  reject(v2({ verified: Buffer.from([0xff]).toString("base64") }), /1 bytes, 10 chunks need 2/);
  reject(v2({ verified: Buffer.from([0xff, 0xff, 0]).toString("base64") }), /3 bytes/);
  reject(v2({ verified: Buffer.from([0, 0b0010_0000]).toString("base64") }), /past the end/);
  reject(v1(11), /more chunks than the file has/);
  reject(v1(-1), /verifiedChunks is not a count/);
  reject(v1(1.5), /verifiedChunks is not a count/);
  reject(v1("2"), /verifiedChunks is not a count/);
  // chunk 9 ends at 9500: a .part shorter than that cannot hold it
  reject(v2(), /holds 9499 bytes, state claims 9500/, 9499);
  reject(v1(3), /holds 2999 bytes, state claims 3000/, 2999);
});

test("state files are written whole (no temp file left) and read back; a missing one reads as undefined", async () => {
  const dir = await mkdtemp(join(tmpdir(), "p2p-cli-state-"));
  try {
    const path = join(dir, "f.part.state");
    assert.equal(await readResumeState(path), undefined);
    await writeResumeState(path, target, bits(1, 4));
    const r = checkResumeState((await readResumeState(path))!, target, 5000);
    assert.ok(r.ok);
    assert.deepEqual(r.verified.indexes(), [1, 4]);
    await assert.rejects(readFile(`${path}.tmp`), { code: "ENOENT" });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
