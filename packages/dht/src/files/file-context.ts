/** What uploads, downloads and the file service share: the node's parts and settings. */
import { DhtError } from "../errors.js";
import type { CallOptions, Contact, Logger, Router } from "../types.js";
import type { Transport } from "../rpc/peer-rpc.js";
import type { LocalRecords } from "../records/local-records.js";
import type { ReplicationOptions } from "../replication/options.js";
import type { ChunkStore } from "./chunk-store.js";
import type { FileOptions } from "./file-options.js";
import { traceOfSignal } from "../tracing/signal-trace.js";

export interface FileContext {
  router: Router;
  transport: Transport;
  /** This peer's own chunks. */
  chunks: ChunkStore;
  /** This peer's own records (manifests are kept and read through their record type). */
  records: LocalRecords;
  log: Logger;
  options: () => Readonly<FileOptions>;
  /** R, W and the deadline of small calls. */
  replication: () => Readonly<ReplicationOptions>;
}

/**
 * A call to another peer, reported to the router. Refusals (not held, over quota, corrupt,
 * invalid) come from a live peer: only an unreachable or silent peer counts as a routing
 * failure; a call canceled by our own caller counts as neither.
 */
export async function callPeer<T>(c: FileContext, peer: Contact, opts: CallOptions, call: (o: CallOptions) => Promise<T>): Promise<T> {
  try {
    const r = await call(opts);
    c.router.reportSuccess(peer);
    return r;
  } catch (err) {
    const e = DhtError.from(err);
    if (e.code === "unavailable" || e.code === "deadline_exceeded") c.router.reportFailure(peer, e);
    else if (e.code !== "canceled") c.router.reportSuccess(peer);
    throw e;
  }
}

/** Call options with an optional signal, and the signal's trace when the transfer is traced (tracing/signal-trace.ts). */
export function withSignal(timeoutMs: number, signal: AbortSignal | undefined): CallOptions {
  if (!signal) return { timeoutMs };
  const trace = traceOfSignal(signal);
  return trace ? { timeoutMs, signal, trace: { parent: trace } } : { timeoutMs, signal };
}
