import type { Contact, DhtNode } from "@p2p/dht";
import type { PeerMetrics } from "../observability/metrics.js";
import type { PeerTracing } from "../tracing/peer-tracing.js";
import type { TransportSecurity } from "../tls/peer-tls-config.js";

/** What the public API (Connect and REST) needs of the running peer. */
export interface ApiContext {
  /** The node; reading it before the peer has started throws UNAVAILABLE ("peer is starting"). */
  node: DhtNode;
  self: Contact;
  startedAtMs: number;
  softwareVersion: string;
  metrics: PeerMetrics;
  /** Spans of sampled traces (GetTrace) and the API's tracer; throws UNAVAILABLE before the peer has started. */
  tracing: PeerTracing;
  /** How this peer's connections to other peers are secured (Info). */
  transportSecurity: TransportSecurity;
  /** Joined (or tried to, alone) and not stopping or left: /readyz, as grpc.health.v1 on the gRPC port. */
  readonly serving: boolean;
  /** The peer left through the API: health probes report it as no longer serving. */
  onLeft?: () => void;
}
