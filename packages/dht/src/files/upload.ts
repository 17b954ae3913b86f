/**
 * An upload: cut the stream into chunks, store each pending on its R closest peers (W must take
 * it; at most `uploadWindow` chunks in flight), then store the manifest, then commit the chunks
 * on every peer that took them (the upload lease, README.md). An upload that fails or is cut
 * stores no manifest, so the file never appears, and its pending chunks are collected.
 */
import { DhtError } from "../errors.js";
import type { Contact, DhtRecord } from "../types.js";
import { sha256Hex } from "../kademlia/node-id.js";
import { writeAndSettle, type WriteFailure } from "../replication/quorum-writer.js";
import { batchCallTimeout } from "../replication/batch-calls.js";
import { replicaCandidates, SpareCandidates } from "../replication/replica-candidates.js";
import { chunkStream } from "./chunker.js";
import { MAX_COMMIT_HASHES, hashChunk } from "./chunk-store.js";
import { CONTENT_VERSION, chunkPosition, manifestKey } from "./content-keys.js";
import { callPeer, withSignal, type FileContext } from "./file-context.js";
import { Placements, releasePlaced } from "./upload-release.js";
import { canonicalManifestBytes, fileIdOf, validateFileName, validateMediaType, type FileManifest } from "./manifest.js";

export interface UploadedFile {
  id: string;
  manifest: FileManifest;
}

/** "chunk 7 (ab12…): stored on 1 of the 2 peers required (…)", RESOURCE_EXHAUSTED when every peer tried is full. */
function placementShortfall(what: string, quorum: number) {
  return (stored: number, failures: readonly WriteFailure[]): DhtError => {
    const reasons = failures.map((f) => `${f.peer.id.slice(0, 8)}: ${f.error.message}`).join("; ");
    // Every candidate over quota is the network being full, not unreachable: say so.
    const full = failures.length > 0 && failures.every((f) => f.error.code === "resource_exhausted");
    const message = `${what}: stored on ${stored} of the ${quorum} peers required (${reasons || "no candidates"})`;
    return full ? DhtError.diskFull(message) : DhtError.unavailable(message);
  };
}

/**
 * Writes `write` to `position`'s R closest (W must succeed), the 2R closest standing in for
 * refusals and failures, looked up only when one happens (a lookup for 2R peers costs an extra
 * round of requests on every chunk, measured 40-400 ms under load on the upload's critical
 * path). Waits for every writer, so no transfer outlives the call.
 */
export async function placeOnReplicas(c: FileContext, position: string, what: string, write: (peer: Contact) => Promise<void>, signal?: AbortSignal): Promise<Contact[]> {
  const { replicationFactor: r, writeQuorum } = c.replication();
  const first = await replicaCandidates(c.router, position, r, signal);
  const report = await writeAndSettle({
    candidates: new SpareCandidates(first, () => replicaCandidates(c.router, position, 2 * r, signal)),
    replicas: r,
    quorum: writeQuorum,
    write,
    shortfall: placementShortfall(what, writeQuorum),
  });
  return report.stored;
}

/** Stores one chunk on `peer` (self through the chunk store). */
export async function storeChunkOn(c: FileContext, peer: Contact, hash: string, bytes: Uint8Array, pending: boolean, signal?: AbortSignal): Promise<void> {
  if (peer.id === c.router.self.id) {
    await c.chunks.putChunk(hash, bytes, pending);
    return;
  }
  await callPeer(c, peer, withSignal(c.options().chunkTimeoutMs, signal), (o) => c.transport.storeChunk(peer, { hash, bytes, pending }, o));
}

/**
 * Stores a file read from `source` and answers its ID and manifest. Memory: at most
 * `uploadWindow` chunks plus the one being cut. Throws INVALID_ARGUMENT for a bad name or
 * media type, RESOURCE_EXHAUSTED past `maxFileBytes`, UNAVAILABLE when a chunk cannot get W
 * copies, CANCELED when `signal` aborts; the source's own error when it fails. In every
 * failure no manifest is stored, and the pending chunks placed are released (upload-release.ts)
 * before the error is thrown.
 */
export async function upload(c: FileContext, source: AsyncIterable<Uint8Array>, meta: { name: string; mediaType?: string }, signal?: AbortSignal): Promise<UploadedFile> {
  validateFileName(meta.name, "name");
  const mediaType = meta.mediaType || "application/octet-stream";
  validateMediaType(mediaType, "mediaType");
  const { chunkSize, maxFileBytes, uploadWindow } = c.options();
  const chunks: string[] = [];
  const holders = new Map<string, Contact[]>(); // chunk hash → peers that took it (pending)
  const placements = new Placements(); // every peer asked to take a chunk, for the release
  const inflight = new Set<Promise<void>>();
  let failure: unknown;
  let size = 0;
  let manifest: FileManifest;
  let id: string;
  try {
    try {
      for await (const bytes of chunkStream(source, chunkSize, maxFileBytes)) {
        if (signal?.aborted) throw DhtError.canceled("upload canceled");
        const hash = hashChunk(bytes); // remembered: our own copy is not hashed again
        const index = chunks.length;
        chunks.push(hash);
        size += bytes.byteLength;
        const what = `chunk ${index} (${hash.slice(0, 12)})`;
        const place = (peer: Contact) => {
          placements.tried(peer, hash);
          return storeChunkOn(c, peer, hash, bytes, true, signal);
        };
        const p: Promise<void> = placeOnReplicas(c, chunkPosition(hash), what, place, signal).then(
          (stored) => {
            inflight.delete(p);
            holders.set(hash, stored);
          },
          (err: unknown) => {
            inflight.delete(p);
            failure ??= err;
          },
        );
        inflight.add(p);
        if (inflight.size >= uploadWindow) await Promise.race(inflight);
        if (failure) throw failure;
      }
    } finally {
      await Promise.all(inflight); // never leave transfers running behind a failed upload
    }
    if (failure) throw failure;
    if (signal?.aborted) throw DhtError.canceled("upload canceled");
    manifest = { name: meta.name, size, mediaType, chunkSize, chunks };
    id = fileIdOf(manifest);
    await storeManifest(c, id, canonicalManifestBytes(manifest), signal);
  } catch (err) {
    // No manifest: nothing will commit these chunks, so they must not hold quota until the lease ends.
    const report = await releasePlaced(c, placements);
    c.log.info({ name: meta.name, error: DhtError.from(err).code, ...report }, "upload ended without a manifest; its pending chunks were released");
    throw err;
  }
  await commitChunks(c, id, holders);
  c.log.info({ file: id, name: manifest.name, size, chunks: chunks.length }, "file stored");
  return { id, manifest };
}

async function storeManifest(c: FileContext, id: string, bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
  const key = manifestKey(id);
  const record: DhtRecord = { key, value: bytes, version: { ...CONTENT_VERSION }, tombstone: false };
  const { rpcTimeoutMs } = c.replication();
  await placeOnReplicas(c, sha256Hex(key), `manifest of ${id}`, async (peer) => {
    if (peer.id === c.router.self.id) await c.records.keep(record);
    else await callPeer(c, peer, withSignal(rpcTimeoutMs, signal), (o) => c.transport.store(peer, record, o));
  }, signal);
}

/**
 * The upload lease's second half: once the manifest is stored, every peer that took a chunk
 * pending is told to commit it (one call per peer per 1024 chunks, `uploadWindow` calls at
 * once). One committed copy is enough for a chunk to survive: anti-entropy spreads the
 * commit to the other replicas as a newer version. A chunk committed nowhere fails the
 * upload with UNAVAILABLE (its file would lose it when the lease runs out). The client
 * may be gone by now: the commit is not canceled with it, or the stored file would rot.
 */
async function commitChunks(c: FileContext, id: string, holders: Map<string, Contact[]>): Promise<void> {
  const byPeer = new Map<string, { peer: Contact; hashes: string[] }>();
  for (const [hash, peers] of holders) {
    for (const peer of peers) {
      const entry = byPeer.get(peer.id) ?? { peer, hashes: [] };
      entry.hashes.push(hash);
      byPeer.set(peer.id, entry);
    }
  }
  const batches: { peer: Contact; hashes: string[] }[] = [];
  for (const { peer, hashes } of byPeer.values()) {
    for (let i = 0; i < hashes.length; i += MAX_COMMIT_HASHES) batches.push({ peer, hashes: hashes.slice(i, i + MAX_COMMIT_HASHES) });
  }
  const committed = new Set<string>();
  const problems: string[] = [];
  const { rpcTimeoutMs } = c.replication();
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const { peer, hashes } = batches[next++]!;
      try {
        const res =
          peer.id === c.router.self.id
            ? await c.chunks.commitChunks(hashes)
            : // Up to 1024 version raises on the holder: the deadline grows with the batch (a 1 GiB upload under load timed out at 2 s).
              await callPeer(c, peer, { timeoutMs: batchCallTimeout(rpcTimeoutMs, hashes.length) }, (o) => c.transport.commitChunks(peer, hashes, o));
        // A holder that lost some (lease ran out mid-upload, data loss) does not say which:
        // count none of this batch as committed there.
        if (res.missing > 0) throw DhtError.notFound(`${res.missing} of ${hashes.length} chunks no longer held`);
        for (const h of hashes) committed.add(h);
      } catch (err) {
        problems.push(`${peer.id.slice(0, 8)}: ${DhtError.from(err).message}`);
        c.log.warn({ file: id, peer: peer.id, err: String(err) }, "chunk commit failed; anti-entropy spreads it from other replicas");
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(c.options().uploadWindow, batches.length) }, worker));
  const uncommitted = [...holders.keys()].filter((h) => !committed.has(h));
  if (uncommitted.length > 0) {
    throw DhtError.unavailable(`file ${id}: ${uncommitted.length} chunk(s) could not be committed on any holder (${problems.join("; ")}); upload again`);
  }
}
