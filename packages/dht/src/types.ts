/**
 * Shared vocabulary of the DHT core: IDs, contacts, versions, records, and the seams a node is
 * built from (record store, clock, logger, router). Nothing here knows about gRPC, Connect or
 * disks: real peers plug in a gRPC transport and an LMDB store, tests and simulations the
 * in-memory ones from this package. The peer-to-peer calls are in rpc/peer-rpc.ts.
 */

import type { CallTrace } from "./tracing/tracer.js";

/** A 256-bit ID or ring position as 64 lowercase hex characters (peer IDs, SHA-256 of record keys). */
export type NodeId = string;

/** How to reach a peer. */
export interface Contact {
  id: NodeId;
  /** host:port of its peer-to-peer (gRPC) endpoint. */
  address: string;
  /** host:port of its public HTTP endpoint; "" when unknown. */
  httpAddress: string;
}

/** Hybrid logical clock reading plus writer: totally ordered, larger wins (last writer wins). */
export interface Version {
  wallMs: number;
  logical: number;
  writer: NodeId;
}

/** A value with its version. A tombstone (delete) has an empty value. */
export interface DhtRecord {
  key: string;
  value: Uint8Array;
  version: Version;
  tombstone: boolean;
  /** The writer's signature of a clocked record (records/writer-proof.ts); absent on content records and in nodes built without proofs. */
  proof?: WriterProof;
}

/** An Ed25519 signature by the record's writer, and the writer's raw public key (its SHA-256 is version.writer). */
export interface WriterProof {
  publicKey: Uint8Array;
  signature: Uint8Array;
  /** A batch proof: the record's audit path to the Merkle root that `signature` signs (records/batch-proof.ts). */
  path?: Uint8Array;
}

/** Options for one remote call. Every remote call has a deadline. */
export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Record this call as a span of a sampled trace, and carry the trace to the remote. */
  trace?: CallTrace;
}

export interface FindValueResult {
  /** Present when the remote holds the key (tombstones included). */
  record?: DhtRecord;
  /** The contacts the remote knows closest to the key's position. */
  contacts: Contact[];
}

export interface StoreResult {
  /** True when the record was newer than the remote's copy and is now stored durably. */
  applied: boolean;
  /** The version the remote holds after the call. */
  current: Version;
}

/** A record's key and version without its value. */
export interface RecordSummary {
  key: string;
  version: Version;
  tombstone: boolean;
}

/** Anti-entropy step 1: the digest of what the sender holds that both peers should hold. */
export interface SyncDigestRequest {
  /** XOR of the leaf hashes, 32 bytes. */
  root: Uint8Array;
  count: number;
}

export interface SyncDigestResult {
  match: boolean;
  /** The responder's leaf hashes when !match (32 bytes each), else empty. */
  leaves: Uint8Array[];
  count: number;
}

/** Anti-entropy step 2: entries of these leaves with keys after `after`, at most `limit`. */
export interface SyncKeysRequest {
  leaves: number[];
  after: string;
  limit: number;
}

export interface SyncKeysResult {
  /** In key order. */
  entries: RecordSummary[];
  truncated: boolean;
}

/** Summary of a stored record, for listings (no value). */
export interface RecordInfo {
  key: string;
  position: NodeId;
  version: Version;
  tombstone: boolean;
  sizeBytes: number;
}

/** Durable record storage. merge() must be atomic: read, compare versions, write. */
export interface RecordStore {
  get(key: string): Promise<DhtRecord | undefined>;
  /** Stores the record if its version is newer than the held one (last writer wins). */
  merge(record: DhtRecord): Promise<StoreResult>;
  /** Removes a key outright (hand-off, tombstone collection). */
  remove(key: string): Promise<void>;
  /**
   * Atomically replaces the held version `from` of `key` by the newer `to`, keeping
   * the value, without handing the value to the caller (a chunk's commit: pending → committed
   * on a 1 MiB value). Answers the version held afterwards (`to`, or the held one when it was
   * not `from` or `to` is not newer); undefined when the key is not held.
   */
  raiseVersion(key: string, from: Version, to: Version): Promise<Version | undefined>;
  /** Records in key order, starting after `after`, at most `limit`, optionally filtered by prefix. */
  list(opts: { after?: string; limit: number; prefix?: string }): Promise<RecordInfo[]>;
  /** Number of records held (tombstones included). */
  count(): number;
}

/** Source of time, injectable so tests and simulations control it. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Minimal structured logger (pino-compatible subset). */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** One request of an iterative lookup, as it happened (feeds logs, metrics and the dashboard's trace). */
export interface LookupStep {
  peer: Contact;
  /** The peer that told us about this one; undefined for contacts from our own routing table. */
  via?: NodeId;
  /** Milliseconds from the start of the lookup until the request was sent. */
  sentAtMs: number;
  durationMs: number;
  ok: boolean;
  /** Error code when !ok (e.g. "deadline_exceeded", "unavailable"). */
  error?: string;
  /** How many returned contacts were closer than any seen before. */
  closerContacts: number;
  /** FindValue lookups: whether the peer returned a record. */
  hadRecord: boolean;
}

export interface LookupResult {
  target: NodeId;
  /** Remote contacts that answered, closest to target first (self never included). */
  closest: Contact[];
  /**
   * The contacts the lookup knows of that gave no answer — a request failed or timed out, or
   * (the lookup hit its request cap) was never sent — and that lie closer to target than the
   * farthest in `closest` (all of them when `closest` is short of `wanted`), closest first,
   * self never included. Silence is not absence: a quorum read counts these as possibly
   * holding the key, so that a lost reply never makes a farther peer's "not found" count.
   */
  unanswered: Contact[];
  /** FindValue lookups: for each peer that answered, the record it held (null: none). */
  records: Map<NodeId, DhtRecord | null>;
  steps: LookupStep[];
  totalMs: number;
  /** Longest chain of "A told us about B" among the peers that answered. */
  hops: number;
}

export interface LookupOptions {
  /** Stop once this many of the closest contacts seen have answered (and none closer is pending). */
  wanted: number;
  /** When set, the lookup sends FindValue(key) instead of FindNode(target). */
  key?: string;
  /**
   * Count this node among the `wanted` closest, as already answered: a replica-set lookup
   * then sends one request fewer when this node is itself a replica. `closest` never
   * contains this node either way. Default false.
   */
  countSelf?: boolean;
  /** The operation the lookup serves: when it aborts, the lookup ends at once with what it has. */
  signal?: AbortSignal;
  /** Each request of the lookup becomes a span of this trace (see tracing/). */
  trace?: CallTrace;
}

/**
 * What replication needs from routing: the coordinator never touches k-buckets directly.
 */
export interface Router {
  readonly self: Contact;
  lookup(target: NodeId, opts: LookupOptions): Promise<LookupResult>;
  /** The `n` contacts closest to target from the local routing table only (no network). */
  closestKnown(target: NodeId, n: number): Contact[];
  /**
   * `closestKnown(target, n)` when the routing table is the whole network, so the closest it
   * knows are the closest there are and a lookup would only confirm them; undefined otherwise.
   * A router without it is never trusted that way (callers look up).
   */
  wholeNetworkNear?(target: NodeId, n: number): Contact[] | undefined;
  /**
   * The `n` closest to target known from recent lookups of its region of the ring, when at least
   * `certain` of them are sure to be the closest there are (kademlia/neighbourhood-cache.ts);
   * undefined otherwise (callers look up). Callers verify the shortcut against the answers.
   */
  cachedNear?(target: NodeId, n: number, certain: number): Contact[] | undefined;
  /** A shortcut near target met a closer peer or a silent replica: stop trusting that region. */
  forgetNear?(target: NodeId): void;
  /**
   * How many known contacts are closer to target than self, without ranking them
   * (RoutingTable.closerThanSelf): whether self is among the R closest is asked for every
   * record stored. Without it callers rank closestKnown (replica-view.ts isReplica).
   */
  closerThanSelf?(target: NodeId): number;
  /** A remote call to this contact failed: demote it (suspect), evict after repeated failures. */
  reportFailure(contact: Contact, error: unknown): void;
  /** A remote call to this contact succeeded. */
  reportSuccess(contact: Contact): void;
}
