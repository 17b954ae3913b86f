/**
 * Prometheus metrics of one peer, on a private prom-client Registry (not the global one, so
 * several peers in one test process do not collide). Names follow Prometheus conventions:
 * base units (seconds), _total for counters, bounded label values.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { Code } from "@connectrpc/connect";

export type RpcSide = "client" | "server";
export type ClientOperation = "put" | "get" | "delete";

/** Functions read at scrape time, so gauges are never stale. */
export interface MetricSources {
  recordsHeld?: () => number;
  routingTableContacts?: () => number;
}

export interface PeerMetricsOptions {
  /** Include prom-client's Node process metrics (CPU, memory, event loop lag, GC). Default true. */
  defaultMetrics?: boolean;
  sources?: MetricSources;
}

export interface PeerMetrics {
  readonly registry: Registry;
  /** Sets or replaces the scrape-time sources (the store and routing table exist after metrics). */
  setSources(sources: MetricSources): void;
  /**
   * One peer-to-peer RPC. `code`: 0 for success, else a Connect/gRPC code (same numbering,
   * e.g. Code.DeadlineExceeded = 4). `method`: the PeerService method name.
   */
  observePeerRpc(method: string, side: RpcSide, code: number, seconds: number): void;
  /** One client operation of the public API (the whole quorum operation). */
  observeClientOperation(op: ClientOperation, code: number, seconds: number): void;
  /** Hops of one iterative lookup (LookupResult.hops). */
  observeLookup(hops: number): void;
  /** The Prometheus text exposition, ready to serve at /metrics. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** "ok" for 0, else the gRPC code name in snake case ("deadline_exceeded"). */
export function codeLabel(code: number): string {
  if (code === 0) return "ok";
  const name = (Code as unknown as Record<number, string | undefined>)[code];
  return name === undefined ? "unknown" : name.replace(/[A-Z]/g, (c, i: number) => (i > 0 ? "_" : "") + c.toLowerCase());
}

// Loopback peer RPCs take ~0.2 ms, a dead peer takes the 2 s deadline: cover both ends.
const RPC_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
// A client operation is a lookup plus a quorum round: ~1 ms local up to the 5 s deadline.
const OPERATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// Kademlia lookups take O(log n) hops: ~10 for a million peers.
const HOP_BUCKETS = [0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20];

/** Creates the peer's registry and instruments. */
export function createPeerMetrics(opts: PeerMetricsOptions = {}): PeerMetrics {
  const registry = new Registry();
  let sources: MetricSources = opts.sources ?? {};
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  new Gauge({
    name: "p2p_routing_table_contacts",
    help: "Contacts in the Kademlia routing table",
    registers: [registry],
    collect() {
      if (sources.routingTableContacts) this.set(sources.routingTableContacts());
    },
  });
  new Gauge({
    name: "p2p_records_held",
    help: "Records stored on this peer, tombstones included",
    registers: [registry],
    collect() {
      if (sources.recordsHeld) this.set(sources.recordsHeld());
    },
  });
  const rpcTotal = new Counter({
    name: "p2p_peer_rpc_total",
    help: "Peer-to-peer RPCs by method, side and result code",
    labelNames: ["method", "side", "code"] as const,
    registers: [registry],
  });
  const rpcDuration = new Histogram({
    name: "p2p_peer_rpc_duration_seconds",
    help: "Peer-to-peer RPC duration",
    labelNames: ["method", "side"] as const,
    buckets: RPC_BUCKETS,
    registers: [registry],
  });
  const opTotal = new Counter({
    name: "p2p_client_operations_total",
    help: "Public API operations by kind and result code",
    labelNames: ["op", "code"] as const,
    registers: [registry],
  });
  const opDuration = new Histogram({
    name: "p2p_client_operation_duration_seconds",
    help: "Public API operation duration",
    labelNames: ["op"] as const,
    buckets: OPERATION_BUCKETS,
    registers: [registry],
  });
  const lookupHops = new Histogram({
    name: "p2p_lookup_hops",
    help: "Hops of iterative Kademlia lookups",
    buckets: HOP_BUCKETS,
    registers: [registry],
  });

  return {
    registry,
    setSources(next) {
      sources = next;
    },
    observePeerRpc(method, side, code, seconds) {
      rpcTotal.inc({ method, side, code: codeLabel(code) });
      rpcDuration.observe({ method, side }, seconds);
    },
    observeClientOperation(op, code, seconds) {
      opTotal.inc({ op, code: codeLabel(code) });
      opDuration.observe({ op }, seconds);
    },
    observeLookup(hops) {
      lookupHops.observe(hops);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
