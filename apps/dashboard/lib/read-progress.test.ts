import { test } from "node:test";
import assert from "node:assert/strict";
import { expectedBytes, readWithProgress } from "./read-progress";

function streamOf(sizes: number[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const n of sizes) c.enqueue(new Uint8Array(n));
      c.close();
    },
  });
}

test("reports bytes received after each chunk, ending with the total", async () => {
  const seen: number[] = [];
  const chunks = await readWithProgress(streamOf([10, 20, 30]), (n) => seen.push(n), 0);
  assert.deepEqual(seen, [10, 30, 60, 60]);
  assert.equal(chunks.reduce((a, c) => a + c.byteLength, 0), 60);
});

test("throttled reports still end with the total", async () => {
  const seen: number[] = [];
  await readWithProgress(streamOf([10, 20, 30]), (n) => seen.push(n), 1000, () => 5);
  assert.deepEqual(seen, [10, 60]);
});

test("the total comes from Content-Range, then Content-Length, then the fallback", () => {
  assert.equal(expectedBytes(new Headers({ "content-length": "20", "content-range": "bytes 0-19/300" })), 300);
  assert.equal(expectedBytes(new Headers({ "content-length": "20" })), 20);
  assert.equal(expectedBytes(new Headers(), 7), 7);
  assert.equal(expectedBytes(new Headers()), undefined);
});
