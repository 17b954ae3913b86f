import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkResumeState, formatResumeState, readResumeState, RESUME_FORMAT, writeResumeState, type ResumeState, type ResumeTarget } from "./resume-state.js";
import { ChunkVerifier, verifiedPrefix } from "./chunk-verifier.js";
import type { Manifest } from "./manifest.js";

const target: ResumeTarget = { id: "a".repeat(64), size: 2500, chunkSize: 1000, chunkCount: 3 };
const state = (over: Partial<ResumeState> = {}): string => formatResumeState({ format: RESUME_FORMAT, ...target, verifiedChunks: 2, ...over });

test("a sidecar matching the manifest resumes after its verified chunks", () => {
  const r = checkResumeState(state(), target, 2100);
  assert.ok(r.ok);
  assert.equal(r.offset, 2000);
  const all = checkResumeState(state({ verifiedChunks: 3 }), target, 2500);
  assert.ok(all.ok);
  assert.equal(all.offset, 2500, "the last chunk is short");
});

test("corrupt or mismatching sidecars are discarded, not trusted", () => {
  const reject = (text: string, reason: RegExp, partBytes = 2500) => {
    const r = checkResumeState(text, target, partBytes);
    assert.equal(r.ok, false, text);
    if (!r.ok) assert.match(r.reason, reason);
  };
  reject("{not json", /not JSON/);
  reject("[]", /not an object/);
  reject("null", /not an object/);
  reject(state({ format: "other/2" as typeof RESUME_FORMAT }), /format/);
  reject(state({ id: "b".repeat(64) }), /another file/);
  reject(state({ size: 2600 }), /does not match the manifest/);
  reject(state({ chunkSize: 500 }), /does not match the manifest/);
  reject(state({ verifiedChunks: 4 }), /more chunks/);
  reject(state({ verifiedChunks: -1 }), /verifiedChunks is not a count/);
  reject(state({ verifiedChunks: 1.5 }), /verifiedChunks is not a count/);
  reject(JSON.stringify({ format: RESUME_FORMAT, ...target, verifiedChunks: "2" }), /not a count/);
  reject(state(), /holds 1999 bytes, state claims 2000/, 1999);
});

test("state files are written whole and read back; a missing one reads as undefined", async () => {
  const dir = await mkdtemp(join(tmpdir(), "p2p-cli-state-"));
  try {
    const path = join(dir, "f.part.state");
    assert.equal(await readResumeState(path), undefined);
    await writeResumeState(path, { format: RESUME_FORMAT, ...target, verifiedChunks: 1 });
    const r = checkResumeState((await readResumeState(path))!, target, 1000);
    assert.ok(r.ok && r.offset === 1000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

function manifestOf(data: Buffer, chunkSize: number): Manifest {
  const chunks: string[] = [];
  for (let o = 0; o < data.length; o += chunkSize) chunks.push(createHash("sha256").update(data.subarray(o, o + chunkSize)).digest("hex"));
  return { name: "f", size: data.length, mediaType: "application/octet-stream", chunkSize, chunks };
}

test("the verifier accepts matching chunks in any slicing and stops at a corrupt one", async () => {
  const data = randomBytes(2500);
  const m = manifestOf(data, 1000);
  const seen: number[] = [];
  const v = new ChunkVerifier(m, 0, async (n) => void seen.push(n));
  for (let o = 0; o < data.length; o += 333) await v.push(data.subarray(o, o + 333));
  assert.deepEqual(seen, [1, 2, 3]);
  assert.ok(v.complete);
  const bad = Buffer.from(data);
  bad[1500]! ^= 1;
  const v2 = new ChunkVerifier(m, 0, async () => {});
  await assert.rejects(v2.push(bad), (err: Error & { exitCode?: number }) => err.exitCode === 6 && /chunk 1/.test(err.message));
  assert.equal(v2.verifiedChunks, 1);
});

test("the verified prefix of a .part file is re-hashed: a flipped byte shortens it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "p2p-cli-prefix-"));
  try {
    const data = randomBytes(2500);
    const m = manifestOf(data, 1000);
    const path = join(dir, "f.part");
    await writeFile(path, data.subarray(0, 2000));
    assert.equal(await verifiedPrefix(path, m, 2), 2);
    const bad = Buffer.from(await readFile(path));
    bad[1200]! ^= 0xff;
    await writeFile(path, bad);
    assert.equal(await verifiedPrefix(path, m, 2), 1);
    await writeFile(path, data.subarray(0, 500));
    assert.equal(await verifiedPrefix(path, m, 2), 0, "a short file verifies nothing past its end");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
