/**
 * Prometheus metrics of one peer, on a private prom-client Registry (not the global one, so
 * several peers in one test process do not collide). Names follow Prometheus conventions:
 * base units (seconds), _total for counters, bounded label values.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { Code } from "@connectrpc/connect";
import { grpcCodeOf, NODE_EVENTS, PEER_METHOD_NAME_LIST } from "@p2p/dht";
import type { NodeEvent, NodeMetricsHooks, Outcome, ReplicationHealth } from "@p2p/dht";
import type { ConnectionLimitHit } from "../http/connection-guard.js";
import type { TlsRefusalKind } from "../tls/peer-tls.js";
import { registerDiskMetrics, type DiskQuotaUse } from "./disk-metrics.js";
import type { RateBucket } from "../rate-limit/keyed-token-buckets.js";
import { registerRateLimitMetrics, type RateLimitSurface } from "./rate-limit-metrics.js";
import { childCache } from "./label-children.js";

export type RpcSide = "client" | "server";
export type ClientOperation = "put" | "get" | "delete" | "put_many" | "get_many" | "delete_many";
export type { RateLimitSurface };

/** Functions read at scrape time, so gauges are never stale. */
export interface MetricSources {
  recordsHeld?: () => number;
  routingTableContacts?: () => number;
  /** Newcomers the routing table refused because their address group had its share (address-diversity.ts). */
  routingTableDiversityRefused?: () => number;
  /** Disk quotas in use, by kind (disk-metrics.ts). */
  diskQuotas?: () => readonly DiskQuotaUse[];
  /** Anti-entropy's health (DhtNode.replicationHealth), read once per scrape. */
  replicationHealth?: () => ReplicationHealth;
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
  /** One node event (a safety rule or limit hit; see NODE_EVENTS). */
  countEvent(event: NodeEvent): void;
  /** One stored record that did not decode and was moved to the quarantine. */
  countQuarantined(): void;
  /** A connection to the public HTTP port or the gRPC port refused or cut by a limit (connection-guard.ts). */
  countConnectionLimit(port: "http" | "grpc", hit: ConnectionLimitHit): void;
  /** A TLS connection between peers refused after its handshake (tls/peer-tls.ts). */
  countTlsRefused(kind: TlsRefusalKind, side: "server" | "client"): void;
  /** A request or call refused by a rate limit, charged to a client's own bucket or the shared overflow one. */
  countRateLimited(surface: RateLimitSurface, bucket: RateBucket): void;
  /** A request or call charged to the shared overflow bucket because the table of clients was full. */
  countRateLimitOverflow(surface: RateLimitSurface): void;
  /** The Prometheus text exposition, ready to serve at /metrics. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** The numeric code of a node's outcome: 0 for "ok", else gRPC's number. */
function codeOf(outcome: Outcome): number {
  return outcome === "ok" ? 0 : grpcCodeOf(outcome);
}

/** What the node reports, into these metrics: every peer RPC (both sides), client operation and finished lookup. */
export function nodeMetricsHooks(metrics: PeerMetrics): NodeMetricsHooks {
  return {
    peerRpc: (method, side, outcome, seconds) => metrics.observePeerRpc(method, side, codeOf(outcome), seconds),
    operation: (op, outcome, seconds) => metrics.observeClientOperation(op, codeOf(outcome), seconds),
    lookup: (e) => {
      if (e.type === "lookup-finished") metrics.observeLookup(e.hops);
    },
    event: (event) => metrics.countEvent(event),
  };
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
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });

  new Gauge({
    name: "p2p_routing_table_contacts",
    help: "Contacts in the Kademlia routing table",
    registers: [registry],
    collect() {
      if (sources.routingTableContacts) this.set(sources.routingTableContacts());
    },
  });
  new Counter({
    name: "p2p_routing_table_diversity_refused_total",
    help: "Newcomers refused by the routing table because their IPv4 /24 or IPv6 /48 had its share of a bucket or the table",
    registers: [registry],
    collect() {
      if (!sources.routingTableDiversityRefused) return;
      this.reset();
      this.inc(sources.routingTableDiversityRefused());
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
  registerReplicationMetrics(registry, () => sources.replicationHealth?.());
  registerDiskMetrics(registry, () => sources.diskQuotas?.());
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
  // Every PeerService method shows from the start (at 0), so a dashboard or an alert sees a
  // method that is never called rather than no series at all.
  for (const method of PEER_METHOD_NAME_LIST) {
    for (const side of ["client", "server"] as const) {
      rpcTotal.inc({ method, side, code: "ok" }, 0);
      rpcDuration.zero({ method, side });
    }
  }
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

  const events = new Counter({
    name: "p2p_node_events_total",
    help: "Safety rules and limits hit by the node (write conflicts, clock offset refusals, ...)",
    labelNames: ["event"] as const,
    registers: [registry],
  });
  for (const event of NODE_EVENTS) events.inc({ event }, 0);
  // Non-zero means the disk (or a bug) damaged stored bytes: worth an alert even though the
  // peer carries on and anti-entropy refetches the records.
  const connectionLimits = new Counter({
    name: "p2p_connection_limit_total",
    help: "Connections to the HTTP or gRPC port refused (per_client, total) or cut (headers_timeout, idle_timeout) by a limit",
    labelNames: ["port", "limit"] as const,
    registers: [registry],
  });
  for (const port of ["http", "grpc"] as const) {
    for (const limit of ["per_client", "total", "headers_timeout", "idle_timeout"] as const) connectionLimits.inc({ port, limit }, 0);
  }
  const tlsRefused = new Counter({
    name: "p2p_tls_refused_total",
    help: "Peer connections refused after the TLS handshake: no or bad certificate, not a member of this private network, another network's member, or not the peer dialled",
    labelNames: ["reason", "side"] as const,
    registers: [registry],
  });
  const rateLimits = registerRateLimitMetrics(registry);
  const quarantined = new Counter({
    name: "p2p_records_quarantined_total",
    help: "Stored records that did not decode and were moved to the quarantine sub-database",
    registers: [registry],
  });

  const [rpcCount, rpcTime] = [childCache((m, s, c) => rpcTotal.labels(m!, s!, c!)), childCache((m, s) => rpcDuration.labels(m!, s!))];
  const [opCount, opTime] = [childCache((op, c) => opTotal.labels(op!, c!)), childCache((op) => opDuration.labels(op!))];
  return {
    registry,
    setSources(next) {
      sources = next;
    },
    observePeerRpc(method, side, code, seconds) {
      rpcCount(method, side, codeLabel(code)).inc();
      rpcTime(method, side).observe(seconds);
    },
    observeClientOperation(op, code, seconds) {
      opCount(op, codeLabel(code)).inc();
      opTime(op).observe(seconds);
    },
    observeLookup(hops) {
      lookupHops.observe(hops);
    },
    countEvent(event) {
      events.inc({ event });
    },
    countQuarantined() {
      quarantined.inc();
    },
    countConnectionLimit(port, hit) {
      connectionLimits.inc({ port, limit: hit });
    },
    countTlsRefused(kind, side) {
      tlsRefused.inc({ reason: kind, side });
    },
    ...rateLimits,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/**
 * Replication health as Prometheus series, all read from one health snapshot per scrape
 * (the counters mirror anti-entropy's own monotonic counters).
 */
function registerReplicationMetrics(registry: Registry, health: () => ReplicationHealth | undefined): void {
  let snapshot: ReplicationHealth | undefined;
  // The first collector of a scrape takes the snapshot; the others reuse it.
  const read = (first: boolean) => (first || !snapshot ? (snapshot = health()) : snapshot);
  const gauge = (name: string, help: string, value: (h: ReplicationHealth) => number, first = false) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const h = read(first);
        if (h) this.set(value(h));
      },
    });
  gauge("p2p_records_primary", "Records held as the closest of their R replicas", (h) => h.recordsPrimary, true);
  gauge("p2p_records_replica", "Records held as one of the other R-1 replicas", (h) => h.recordsReplica);
  gauge("p2p_records_handoff", "Records held without being among their R closest (awaiting hand-off)", (h) => h.recordsHandoff);
  gauge("p2p_records_under_replicated", "Records known, as of the last repair round, to lack an up-to-date copy", (h) => h.underReplicated);
  gauge("p2p_repair_last_run_timestamp_seconds", "When the last anti-entropy round ended (0: never)", (h) => h.lastRepairAtMs / 1000);
  gauge("p2p_repair_neighbours", "Peers this peer shares responsibility with for at least one record", (h) => h.neighbours);
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[], values: (h: ReplicationHealth) => [Partial<Record<L, string>>, number][]) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        const h = read(false);
        if (!h) return;
        this.reset();
        for (const [labels, v] of values(h)) this.inc(labels as never, v);
      },
    });
  counter("p2p_repair_rounds_total", "Anti-entropy rounds run", [], (h) => [[{}, h.repairRounds]]);
  counter("p2p_records_moved_total", "Records moved by anti-entropy and hand-off", ["kind"] as const, (h) => [
    [{ kind: "pushed" }, h.recordsPushed],
    [{ kind: "pulled" }, h.recordsPulled],
    [{ kind: "dropped" }, h.recordsDropped],
  ]);
  counter("p2p_tombstones_collected_total", "Tombstones removed after the grace period", [], (h) => [[{}, h.tombstonesCollected]]);
  counter("p2p_anti_entropy_rejected_records_total", "Invalid records from other peers rejected during anti-entropy", [], (h) => [[{}, h.recordsRejected]]);
  counter("p2p_tombstones_deferred_total", "Expired tombstones kept another round because a replica did not show it held them", [], (h) => [[{}, h.tombstonesDeferred]]);
  gauge("p2p_collected_deletes", "Collected deletes remembered so their values cannot come back", (h) => h.collectedDeletes);
  counter("p2p_collected_deletes_forgotten_total", "Collected deletes forgotten to stay within maxCollectedDeletes", [], (h) => [[{}, h.collectedDeletesForgotten]]);
  counter("p2p_hinted_handoff_total", "Hinted hand-off: keys stored here while not among their R closest", ["event"] as const, (h) => [
    [{ event: "queued" }, h.hintsQueued],
    [{ event: "handed_back" }, h.hintsHandedBack],
    [{ event: "overflowed" }, h.hintsOverflowed],
  ]);
  counter("p2p_handoff_unproven_total", "Hand-offs whose new holder acknowledged the Store but did not return the record on a read", [], (h) => [[{}, h.handOffUnproven]]);
  counter("p2p_anti_entropy_bytes_total", "Approximate payload bytes of anti-entropy messages", ["direction"] as const, (h) => [
    [{ direction: "sent" }, h.bytesSent],
    [{ direction: "received" }, h.bytesReceived],
  ]);
}
