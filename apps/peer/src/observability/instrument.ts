/**
 * Decorators that time every peer-to-peer RPC, on both sides of the transport seam, for
 * Prometheus and the Stats API. Decorating the seam keeps the DHT core free of metrics code.
 */
import { performance } from "node:perf_hooks";
import { toConnectError } from "../edge-errors.js";
import { OperationStats, type PeerRpcHandler, type Transport } from "@p2p/dht";
import type { PeerMetrics, RpcSide } from "./metrics.js";

export const PEER_RPC_METHODS = ["Ping", "FindNode", "FindValue", "Store"] as const;
export type PeerRpcMethod = (typeof PEER_RPC_METHODS)[number];

/** Counts and latency windows per PeerService method and side, for the Stats API. */
export class PeerRpcStats {
  readonly client = new OperationStats<PeerRpcMethod>(1024, PEER_RPC_METHODS);
  readonly server = new OperationStats<PeerRpcMethod>(1024, PEER_RPC_METHODS);
}

function codeOf(err: unknown): number {
  return toConnectError(err).code;
}

async function timed<T>(
  metrics: PeerMetrics,
  stats: OperationStats<PeerRpcMethod>,
  side: RpcSide,
  method: PeerRpcMethod,
  call: () => T | Promise<T>,
): Promise<T> {
  const start = performance.now();
  try {
    const result = await call();
    const ms = performance.now() - start;
    metrics.observePeerRpc(method, side, 0, ms / 1000);
    stats.record(method, ms, true);
    return result;
  } catch (err) {
    const ms = performance.now() - start;
    metrics.observePeerRpc(method, side, codeOf(err), ms / 1000);
    stats.record(method, ms, false);
    throw err;
  }
}

/** A Transport that records every outgoing call. */
export function instrumentTransport(inner: Transport, metrics: PeerMetrics, stats: PeerRpcStats): Transport {
  const t = (method: PeerRpcMethod, call: () => Promise<any>) => timed(metrics, stats.client, "client", method, call);
  return {
    ping: (to, opts) => t("Ping", () => inner.ping(to, opts)),
    findNode: (to, target, opts) => t("FindNode", () => inner.findNode(to, target, opts)),
    findValue: (to, key, opts) => t("FindValue", () => inner.findValue(to, key, opts)),
    store: (to, record, opts) => t("Store", () => inner.store(to, record, opts)),
  };
}

/**
 * A PeerRpcHandler that records every incoming call. onPing and onFindNode are synchronous
 * in the interface, so they are measured inline rather than through a promise.
 */
export function instrumentHandler(inner: PeerRpcHandler, metrics: PeerMetrics, stats: PeerRpcStats): PeerRpcHandler {
  const sync = <T>(method: PeerRpcMethod, call: () => T): T => {
    const start = performance.now();
    let code = 0;
    try {
      return call();
    } catch (err) {
      code = codeOf(err);
      throw err;
    } finally {
      const ms = performance.now() - start;
      metrics.observePeerRpc(method, "server", code, ms / 1000);
      stats.server.record(method, ms, code === 0);
    }
  };
  return {
    onPing: (from) => sync("Ping", () => inner.onPing(from)),
    onFindNode: (from, target) => sync("FindNode", () => inner.onFindNode(from, target)),
    onFindValue: (from, key) => timed(metrics, stats.server, "server", "FindValue", () => inner.onFindValue(from, key)),
    onStore: (from, record) => timed(metrics, stats.server, "server", "Store", () => inner.onStore(from, record)),
  };
}
