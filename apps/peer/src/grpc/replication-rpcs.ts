/**
 * Wires the anti-entropy RPCs (SyncDigest, SyncKeys, FetchRecords, Goodbye) on both sides of
 * the transport seam, timed into the same peer-RPC metrics as the core methods. Kept apart
 * from instrument.ts so the core decorators stay as they are.
 */
import { performance } from "node:perf_hooks";
import { toConnectError } from "../edge-errors.js";
import type { Contact, DhtNode, PeerRpcHandler, Transport } from "@p2p/dht";
import type { PeerMetrics, RpcSide } from "../observability/metrics.js";
import type { GrpcTransport } from "./grpc-transport.js";

async function timed<T>(metrics: PeerMetrics, method: string, side: RpcSide, call: () => T | Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    const result = await call();
    metrics.observePeerRpc(method, side, 0, (performance.now() - start) / 1000);
    return result;
  } catch (err) {
    metrics.observePeerRpc(method, side, toConnectError(err).code, (performance.now() - start) / 1000);
    throw err;
  }
}

/** `base` (the instrumented core transport) plus the anti-entropy calls of `grpc`. */
export function withReplicationCalls(base: Transport, grpc: GrpcTransport, metrics: PeerMetrics): Transport {
  return {
    ...base,
    syncDigest: (to, req, opts) => timed(metrics, "SyncDigest", "client", () => grpc.syncDigest(to, req, opts)),
    syncKeys: (to, req, opts) => timed(metrics, "SyncKeys", "client", () => grpc.syncKeys(to, req, opts)),
    fetchRecords: (to, keys, opts) => timed(metrics, "FetchRecords", "client", () => grpc.fetchRecords(to, keys, opts)),
    goodbye: (to, opts) => timed(metrics, "Goodbye", "client", () => grpc.goodbye(to, opts)),
  };
}

/** `base` (the instrumented core handler) plus the anti-entropy handlers of the node `node()` returns once started. */
export function withReplicationHandlers(base: PeerRpcHandler, node: () => DhtNode, metrics: PeerMetrics): PeerRpcHandler {
  return {
    ...base,
    onSyncDigest: (from, req) => timed(metrics, "SyncDigest", "server", () => node().onSyncDigest(from, req)),
    onSyncKeys: (from, req) => timed(metrics, "SyncKeys", "server", () => node().onSyncKeys(from, req)),
    onFetchRecords: (from, keys) => timed(metrics, "FetchRecords", "server", () => node().onFetchRecords(from, keys)),
    onGoodbye: (from: Contact) => {
      metrics.observePeerRpc("Goodbye", "server", 0, 0);
      node().onGoodbye(from);
    },
  };
}
