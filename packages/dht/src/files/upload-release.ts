/**
 * The end of an upload that stores no manifest (cut by its client, refused, failed): the
 * pending chunks it placed are released at once, on this peer and on every peer it sent them
 * to, so they stop counting against those peers' disk quotas. Before this they stayed for
 * the whole lease (24 h): one cut upload of 300 MiB filled a 300 MiB quota on every peer
 * and the next upload was refused. A holder that never hears the release (down, partitioned,
 * its deadline passed) still collects the chunks when the lease runs out.
 */
import { DhtError } from "../errors.js";
import type { Contact, NodeId } from "../types.js";
import { MAX_COMMIT_HASHES } from "./chunk-store.js";
import { callPeer, type FileContext } from "./file-context.js";

/**
 * Every peer an upload tried to store each chunk on, acknowledged or not: a transfer cut by
 * the client may still have landed, so the release goes to every peer that may hold it.
 */
export class Placements {
  readonly #byPeer = new Map<NodeId, { peer: Contact; hashes: Set<string> }>();

  tried(peer: Contact, hash: string): void {
    let entry = this.#byPeer.get(peer.id);
    if (!entry) this.#byPeer.set(peer.id, (entry = { peer, hashes: new Set() }));
    entry.hashes.add(hash);
  }

  get size(): number {
    return this.#byPeer.size;
  }

  /** One batch per peer per MAX_COMMIT_HASHES hashes. */
  batches(): { peer: Contact; hashes: string[] }[] {
    const out: { peer: Contact; hashes: string[] }[] = [];
    for (const { peer, hashes } of this.#byPeer.values()) {
      const all = [...hashes];
      for (let i = 0; i < all.length; i += MAX_COMMIT_HASHES) out.push({ peer, hashes: all.slice(i, i + MAX_COMMIT_HASHES) });
    }
    return out;
  }
}

export interface ReleaseReport {
  released: number;
  kept: number;
  missing: number;
  /** Peers that did not answer the release in time (they collect at lease end). */
  unreached: number;
}

/**
 * Releases what `placements` placed: this peer's own copies first, then the others,
 * `uploadWindow` calls at once, each within the small-call deadline (rpcTimeoutMs). Never
 * canceled by the upload's signal (it is usually that signal that ended the upload) and
 * never rejects: a holder not reached keeps the chunk until its lease ends.
 */
export async function releasePlaced(c: FileContext, placements: Placements): Promise<ReleaseReport> {
  const report: ReleaseReport = { released: 0, kept: 0, missing: 0, unreached: 0 };
  const self = c.router.self.id;
  const batches = placements.batches();
  const add = (r: { released: number; kept: number; missing: number }) => {
    report.released += r.released;
    report.kept += r.kept;
    report.missing += r.missing;
  };
  for (const b of batches.filter((b) => b.peer.id === self)) {
    try {
      add(await c.chunks.releaseChunks(b.hashes));
    } catch (err) {
      c.log.warn({ err: String(err) }, "releasing this peer's pending chunks failed; the lease collects them");
    }
  }
  const remote = batches.filter((b) => b.peer.id !== self);
  const { rpcTimeoutMs } = c.replication();
  let next = 0;
  const worker = async () => {
    while (next < remote.length) {
      const { peer, hashes } = remote[next++]!;
      try {
        add(await callPeer(c, peer, { timeoutMs: rpcTimeoutMs }, (o) => c.transport.releaseChunks(peer, hashes, o)));
      } catch (err) {
        report.unreached++;
        c.log.debug({ peer: peer.id, err: DhtError.from(err).message }, "chunk release not heard; the holder collects them at lease end");
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(c.options().uploadWindow, remote.length) }, worker));
  return report;
}
