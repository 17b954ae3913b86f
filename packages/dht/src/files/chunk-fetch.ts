/**
 * One verified chunk of a download, from several holders when one is slow. The holder with the
 * fewest fetches in flight is asked first; when it has not answered after the hedge delay
 * (4× this download's median chunk time, see DownloadHolders.hedgeDelay) the next holder is
 * asked too and the first intact answer wins, the other is aborted. So a stalled holder costs
 * one hedge delay per chunk, not the chunk deadline, and after `slowStrikes` overtakes it is
 * no longer asked; a holder whose bytes fail the hash is never asked again in this download.
 */
import { DhtError } from "../errors.js";
import type { Contact } from "../types.js";
import { sha256Hex } from "../kademlia/node-id.js";
import { replicaCandidates, SpareCandidates } from "../replication/replica-candidates.js";
import { chunkPosition } from "./content-keys.js";
import { callPeer, withSignal, type FileContext } from "./file-context.js";
import type { DownloadHolders } from "./holder-scores.js";

/** What every chunk fetch of one download shares. */
export interface FetchSession {
  c: FileContext;
  holders: DownloadHolders;
  /** Re-stores intact bytes on holders that lacked the chunk or held it corrupt. */
  repair: (hash: string, bytes: Uint8Array, peers: Contact[]) => void;
  signal?: AbortSignal | undefined;
}

type Outcome = { peer: Contact; t0: number; ok: true; bytes: Uint8Array } | { peer: Contact; t0: number; ok: false; err: DhtError; lied?: boolean };

interface Attempt {
  peer: Contact;
  t0: number;
  abort: AbortController;
  done: Promise<Outcome>;
}

/** Throws UNAVAILABLE when no holder has intact bytes, CANCELED when the download's signal aborts. */
export async function fetchChunk(s: FetchSession, hash: string, index: number): Promise<Uint8Array> {
  const { c, holders, signal } = s;
  const self = c.router.self;
  const { replicationFactor } = c.replication();
  try {
    return await c.chunks.getChunk(hash);
  } catch {
    // not held here (or corrupt and just dropped): fetch it
  }
  // The R closest first (one lookup round fewer than 2R); the next closest only when all fail.
  const position = chunkPosition(hash);
  const replicas = await replicaCandidates(c.router, position, replicationFactor, signal);
  const lacking: Contact[] = replicas.some((x) => x.id === self.id) ? [self] : [];
  const corrupt = new Set<string>();
  const remote = replicas.filter((x) => x.id !== self.id);
  const shift = remote.length > 0 ? index % remote.length : 0;
  const order = new SpareCandidates(holders.order([...remote.slice(shift), ...remote.slice(0, shift)]), async () =>
    holders.order((await replicaCandidates(c.router, position, 2 * replicationFactor, signal)).filter((x) => x.id !== self.id)),
  );
  const problems: string[] = [];
  const running = new Map<string, Attempt>();
  let exhausted = false;

  const startNext = async (): Promise<void> => {
    let peer = await order.next();
    while (peer && running.has(peer.id)) peer = await order.next();
    if (!peer) {
      exhausted = true;
      return;
    }
    const to = peer;
    const abort = new AbortController();
    const sig = signal ? AbortSignal.any([signal, abort.signal]) : abort.signal;
    const t0 = performance.now();
    holders.started(to.id);
    const done = callPeer(c, to, withSignal(c.options().chunkTimeoutMs, sig), (o) => c.transport.fetchChunk(to, hash, o)).then(
      (bytes): Outcome =>
        // A holder that serves bytes that are not the chunk (it may lie, or its disk rots past its own check).
        sha256Hex(bytes) === hash ? { peer: to, t0, ok: true, bytes } : { peer: to, t0, ok: false, err: DhtError.dataLoss("bytes do not match the hash"), lied: true },
      (err: unknown): Outcome => ({ peer: to, t0, ok: false, err: DhtError.from(err) }),
    );
    running.set(to.id, { peer: to, t0, abort, done });
  };

  try {
    await startNext();
    while (running.size > 0) {
      const { hedgeFloorMs, hedgeAfterMs, maxHolderFetchesPerChunk } = c.options();
      const canHedge = !exhausted && running.size < maxHolderFetchesPerChunk;
      let timer: NodeJS.Timeout | undefined;
      const hedge = canHedge ? new Promise<"hedge">((r) => (timer = setTimeout(() => r("hedge"), holders.hedgeDelay(hedgeFloorMs, hedgeAfterMs)))) : undefined;
      const first = await Promise.race([...[...running.values()].map((a) => a.done), ...(hedge ? [hedge] : [])]);
      clearTimeout(timer);
      if (first === "hedge") {
        await startNext();
        continue;
      }
      running.delete(first.peer.id);
      if (first.ok) {
        holders.ended(first.peer.id, performance.now() - first.t0);
        // Asked before the winner and still not done: slower than a holder asked later.
        for (const a of running.values()) if (a.t0 < first.t0) holders.slow(a.peer.id);
        // Among the R closest, whoever lacked it; beyond them (a spare standing in for a refusal),
        // only a holder whose copy was corrupt, so repair never adds copies beyond R.
        s.repair(hash, first.bytes, lacking.filter((x) => corrupt.has(x.id) || replicas.some((r) => r.id === x.id)));
        return first.bytes;
      }
      holders.ended(first.peer.id);
      const e = first.err;
      if (e.code === "canceled" && signal?.aborted) throw e;
      problems.push(`${first.peer.id.slice(0, 8)}: ${e.message}`);
      if (e.code === "not_found" || e.code === "data_loss") lacking.push(first.peer);
      if (e.code === "data_loss") {
        corrupt.add(first.peer.id);
        // A holder that reports its own copy corrupt is honest (it dropped it); one that sent bad bytes is dropped.
        if (first.lied) holders.corrupt(first.peer.id);
        c.log.warn({ chunk: hash, peer: first.peer.id }, "corrupt chunk from a holder; asking another and repairing it");
      }
      if (running.size === 0) await startNext();
    }
  } finally {
    for (const a of running.values()) {
      a.abort.abort(DhtError.canceled("another holder answered first"));
      holders.ended(a.peer.id);
    }
  }
  if (signal?.aborted) throw DhtError.canceled("download canceled");
  throw DhtError.unavailable(`chunk ${index} (${hash.slice(0, 12)}): no holder has intact bytes (${problems.join("; ") || "no holders"})`);
}
