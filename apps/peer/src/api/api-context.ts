import type { Contact, DhtNode } from "@p2p/dht";
import type { PeerRpcStats } from "../observability/instrument.js";
import type { PeerMetrics } from "../observability/metrics.js";

/** The live settings the public API reads on every call (they change on config reload). */
export interface ApiSettings {
  replicationFactor: number;
  writeQuorum: number;
  readQuorum: number;
  maxValueBytes: number;
  /** Deadline of one whole client operation (lookup + quorum round). */
  requestTimeoutMs: number;
}

/** What the public API (Connect and REST) needs of the running peer. */
export interface ApiContext {
  node: DhtNode;
  self: Contact;
  startedAtMs: number;
  softwareVersion: string;
  settings(): ApiSettings;
  rpcStats: PeerRpcStats;
  metrics: PeerMetrics;
}
