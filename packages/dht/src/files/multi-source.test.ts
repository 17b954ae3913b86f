/**
 * Downloads from several holders at once: a holder that lies (serves bytes that are not the
 * chunk) is counted and dropped while the download still returns the right bytes; a holder that
 * stalls costs a hedge delay, not the chunk deadline.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chunkKey } from "./content-keys.js";
import { DhtError } from "../errors.js";
import type { ClientInterceptor, ServerInterceptor } from "../rpc/interceptor.js";
import { collect, createTestnet, pieces, type Testnet } from "../testing/testnet.js";

const CHUNK = 4096;
const CHUNKS = 32;

/** The holder (not `reader`) that holds most of the chunks `reader` lacks, and how many. */
async function busiestOtherHolder(net: Testnet, reader: number, chunks: string[]): Promise<{ index: number; lacking: number }> {
  const counts = new Map<number, number>();
  let lacking = 0;
  for (const hash of chunks) {
    if (await net.store(net.nodes[reader]!).get(chunkKey(hash))) continue;
    lacking++;
    for (const [i, p] of net.nodes.entries()) if (i !== reader && (await net.store(p).get(chunkKey(hash)))) counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  const [index] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
  return { index, lacking };
}

test("a holder serving corrupt chunks is counted and dropped; the download has the right bytes", async (t) => {
  let liar: string | undefined;
  // The liar's own store would refuse to serve bad bytes: it lies on the wire, as a hostile peer may.
  const lie: ServerInterceptor = (next) => async (call) => {
    const r = await next(call);
    if (call.method !== "fetchChunk" || !liar) return r;
    const bad = (r as Uint8Array).slice();
    bad[0]! ^= 0xff;
    return bad;
  };
  const net = await createTestnet(5, { node: { files: { chunkSize: CHUNK } }, interceptorsFor: (self) => ({ server: [(next) => (call) => (self.id === liar ? lie(next)(call) : next(call))] }) });
  t.after(() => net.stop());
  const data = randomBytes(CHUNKS * CHUNK);
  const { manifest } = await net.nodes[0]!.files.upload(pieces(data), { name: "a.bin" });
  const reader = 4;
  const bad = await busiestOtherHolder(net, reader, manifest.chunks);
  assert.ok(bad.lacking >= 4, `the reader lacks ${bad.lacking} chunks`);
  liar = net.nodes[bad.index]!.self.id;

  const files = net.nodes[reader]!.files;
  assert.ok((await collect(files.read(manifest))).equals(data), "intact bytes despite the liar");
  const counted = files.holderPenalties(liar).corrupt;
  assert.ok(counted >= 1, "the liar is counted");
  // Dropped at its first lie: only fetches already sent to it (at most a window) can lie again.
  assert.ok(counted <= files.options.downloadWindow, `the liar was asked ${counted} times`);
  assert.equal(files.holderPenalties().corrupt, counted, "no honest holder is blamed");
});

test("a holder that stalls mid-chunk costs a hedge delay, not the chunk deadline", async (t) => {
  let stalled: string | undefined;
  let stalls = 0;
  // The staller accepts the call and never finishes it, until the caller gives up on it.
  const stall: ClientInterceptor = (next) => (call) => {
    if (call.method !== "fetchChunk" || call.peer.id !== stalled) return next(call);
    stalls++;
    return new Promise((_, reject) => {
      if (call.signal?.aborted) return reject(DhtError.canceled("aborted"));
      call.signal?.addEventListener("abort", () => reject(DhtError.canceled("aborted")), { once: true });
    });
  };
  const files = { chunkSize: CHUNK, chunkTimeoutMs: 20_000, hedgeAfterMs: 200 };
  const net = await createTestnet(5, { node: { files }, interceptorsFor: (_, i) => (i === 4 ? { client: [stall] } : {}) });
  t.after(() => net.stop());
  const data = randomBytes(CHUNKS * CHUNK);
  const { manifest } = await net.nodes[0]!.files.upload(pieces(data), { name: "b.bin" });
  const reader = 4;
  const slow = await busiestOtherHolder(net, reader, manifest.chunks);
  stalled = net.nodes[slow.index]!.self.id;

  const t0 = performance.now();
  const got = await collect(net.nodes[reader]!.files.read(manifest));
  const ms = performance.now() - t0;
  assert.ok(got.equals(data));
  assert.ok(stalls >= 1, "the staller was asked");
  // Old behaviour: each chunk sent to the staller waited out its 20 s deadline.
  assert.ok(ms < 5_000, `download took ${ms.toFixed(0)} ms`);
  const p = net.nodes[reader]!.files.holderPenalties(stalled);
  assert.ok(p.slow >= 1, "the staller is counted as slow");
  assert.ok(stalls <= 8 + 2, `the staller was asked ${stalls} times: dropped after its strikes`);
});
