/**
 * Shared vocabulary of the DHT core. Nothing here knows about gRPC, Connect or disks:
 * real peers plug in a gRPC transport and an LMDB store, tests and simulations plug in
 * the in-memory ones from this package.
 */

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
}

/** Options for one remote call. Every remote call has a deadline. */
export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
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

/**
 * The transport seam: how the core sends requests to other peers. Implementations attach
 * the local peer's identity to every request, check that the responder is the peer `to.id`
 * names, and fail with a DhtError (code unavailable, deadline_exceeded, …) otherwise.
 */
export interface Transport {
  ping(to: Contact, opts: CallOptions): Promise<void>;
  findNode(to: Contact, target: NodeId, opts: CallOptions): Promise<Contact[]>;
  findValue(to: Contact, key: string, opts: CallOptions): Promise<FindValueResult>;
  store(to: Contact, record: DhtRecord, opts: CallOptions): Promise<StoreResult>;
  // Anti-entropy and hand-off (replication/anti-entropy.ts). Optional so that routing-only
  // transports and decorators keep compiling; a node without them never repairs.
  /** Compares digest roots; the remote's leaves come back only when they differ. */
  syncDigest?(to: Contact, request: SyncDigestRequest, opts: CallOptions): Promise<SyncDigestResult>;
  /** The remote's (key, version) pairs of some digest leaves, paged. */
  syncKeys?(to: Contact, request: SyncKeysRequest, opts: CallOptions): Promise<SyncKeysResult>;
  /** The records the remote holds among `keys` (within its size budget). */
  fetchRecords?(to: Contact, keys: string[], opts: CallOptions): Promise<DhtRecord[]>;
  /** Tells the remote we are leaving, so it drops us from its routing table at once. */
  goodbye?(to: Contact, opts: CallOptions): Promise<void>;
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

/**
 * What a peer answers to incoming requests; the transport's server side calls it after it
 * has validated the message and verified the sender. `from` is the verified sender.
 */
export interface PeerRpcHandler {
  onPing(from: Contact): void;
  onFindNode(from: Contact, target: NodeId): Contact[];
  onFindValue(from: Contact, key: string): Promise<FindValueResult>;
  onStore(from: Contact, record: DhtRecord): Promise<StoreResult>;
  // Anti-entropy and hand-off; optional like the Transport methods (absent: Unimplemented).
  onSyncDigest?(from: Contact, request: SyncDigestRequest): Promise<SyncDigestResult>;
  onSyncKeys?(from: Contact, request: SyncKeysRequest): Promise<SyncKeysResult>;
  onFetchRecords?(from: Contact, keys: string[]): Promise<DhtRecord[]>;
  onGoodbye?(from: Contact): void;
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
  /** A remote call to this contact failed: demote it (suspect), evict after repeated failures. */
  reportFailure(contact: Contact, error: unknown): void;
  /** A remote call to this contact succeeded. */
  reportSuccess(contact: Contact): void;
}
