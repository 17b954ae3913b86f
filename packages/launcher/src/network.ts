import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPeer, type PeerProcess, type StartPeerOptions } from "./peer-process.js";

/** Options of `startNetwork`; `peer` options apply to every peer (data dir and bootstrap are set here). */
export interface StartNetworkOptions {
  /** Options for every peer, e.g. `{ args: ["--replication-factor", "3"] }`. */
  peer?: Omit<StartPeerOptions, "dataDir" | "bootstrap">;
  /** Parent of the temporary directory holding the peers' data dirs. Default `os.tmpdir()`. */
  baseDir?: string;
  /** Peers started at the same time after the first (process start-up is CPU-bound). Default 4. */
  concurrency?: number;
  /**
   * Each new peer bootstraps from this many running peers picked at random (the first always
   * starts alone). Spreading the joins keeps peer 0 from answering every join and lets early
   * peers be learned by later ones sooner. Default 3.
   */
  bootstrapFanout?: number;
  /** Grace period of `stop()` per peer before SIGKILL. Default 5000 ms. */
  stopGraceMs?: number;
  /** Keep the data dirs after `stop()` (to inspect them). Default false. */
  keepDir?: boolean;
}

/** n real peers on loopback; `stop()` stops them all and deletes their data. */
export interface Network {
  /** In start order; `peers[0]` starts alone, the others join through random running peers. All are ready. */
  peers: PeerProcess[];
  /** The temporary directory holding `peer-<i>` data dirs. */
  dir: string;
  /** Starts one more peer bootstrapped from running ones (e.g. to test a join); it is stopped with the rest. */
  add(options?: Omit<StartPeerOptions, "dataDir">): Promise<PeerProcess>;
  /** Stops every peer (SIGTERM, SIGKILL after the grace) and removes the directory. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts `n` peers on port 0 in a fresh temp dir, each bootstrapped from a few running ones, and
 * resolves when all are ready. Always pair it with cleanup, e.g. `after(() => net.stop())`.
 * If any peer fails to start, the others are stopped and the error (with its log lines) is thrown.
 */
export async function startNetwork(n: number, options: StartNetworkOptions = {}): Promise<Network> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  const dir = await mkdtemp(join(options.baseDir ?? tmpdir(), "p2p-net-"));
  const peers: PeerProcess[] = [];
  let stopped = false;
  const grace = options.stopGraceMs ?? 5000;
  const concurrency = positiveInt("concurrency", options.concurrency ?? 4);
  const fanout = positiveInt("bootstrapFanout", options.bootstrapFanout ?? 3);
  let ordinal = 0;

  const launch = (extra: Omit<StartPeerOptions, "dataDir"> = {}) => {
    const running = peers.filter((p) => p.state === "running" && p.grpcAddress).map((p) => p.grpcAddress!);
    const bootstrap = pickBootstraps(running, fanout);
    const peer = startPeer({ ...options.peer, bootstrap, ...extra, dataDir: join(dir, `peer-${ordinal++}`) });
    peers.push(peer);
    return peer;
  };

  const network: Network = {
    peers,
    dir,
    async add(extra) {
      if (stopped) throw new Error("network is stopped");
      const peer = launch(extra);
      await peer.ready;
      return peer;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(peers.map((p) => p.stop(grace)));
      if (!options.keepDir) await rm(dir, { recursive: true, force: true });
    },
  };

  try {
    await launch().ready;
    let next = 1;
    const worker = async () => {
      while (next < n) {
        next++;
        await launch().ready;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, n - 1) }, worker));
  } catch (err) {
    await network.stop();
    throw err;
  }
  return network;
}

/** Up to `n` of `addresses` in random order (a partial Fisher-Yates shuffle). */
export function pickBootstraps(addresses: readonly string[], n: number): string[] {
  const copy = [...addresses];
  const take = Math.min(n, copy.length);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(Math.random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, take);
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  return v;
}
