/**
 * What every part of anti-entropy works with: the node's parts, its live settings, the
 * counters that ReplicationHealth reports, and the per-neighbour backoff. One object, passed to
 * each step (neighbour sync, hand-off, leave, tombstone collection) so each step is a module of
 * its own.
 */
import type { Clock, Contact, Logger, Router } from "../types.js";
import type { Transport } from "../rpc/peer-rpc.js";
import type { LocalRecords } from "../records/local-records.js";
import type { IndexedRecordStore } from "../store/indexed-store.js";
import type { ReplicationOptions } from "../replication/options.js";
import type { AntiEntropyOptions } from "./anti-entropy-options.js";
import type { PeerBackoff } from "./peer-backoff.js";

/** Monotonic counters of repair work, as ReplicationHealth shows them. */
export interface RepairCounters {
  /** End of the last round, Unix ms; 0 before the first. */
  lastRepairAtMs: number;
  repairRounds: number;
  recordsPushed: number;
  recordsPulled: number;
  recordsDropped: number;
  tombstonesCollected: number;
  /** Expired tombstones kept another round because some replica did not show it held them. */
  tombstonesDeferred: number;
  /** Records from other peers rejected as invalid during anti-entropy. */
  recordsRejected: number;
  /** Approximate payload bytes of anti-entropy messages (digests, key lists, records). */
  bytesSent: number;
  bytesReceived: number;
  /** Hand-offs whose target acknowledged the Store but did not return the record when read back. */
  handOffUnproven: number;
  /** Keys queued for hinted hand-off (stored here while not among their R closest). */
  hintsQueued: number;
  /** Hinted keys handed back to their replicas and dropped here. */
  hintsHandedBack: number;
  /** Hints not queued because the queue was full (left to the regular round's hand-off). */
  hintsOverflowed: number;
}

export function newRepairCounters(): RepairCounters {
  return {
    lastRepairAtMs: 0,
    repairRounds: 0,
    recordsPushed: 0,
    recordsPulled: 0,
    recordsDropped: 0,
    tombstonesCollected: 0,
    tombstonesDeferred: 0,
    recordsRejected: 0,
    bytesSent: 0,
    bytesReceived: 0,
    handOffUnproven: 0,
    hintsQueued: 0,
    hintsHandedBack: 0,
    hintsOverflowed: 0,
  };
}

/** Rough sizes on the wire, for the byte counters. */
export const SUMMARY_BYTES = 100;
export const RECORD_OVERHEAD = 120;

export interface RepairContext {
  self: Contact;
  router: Router;
  transport: Transport;
  /** Every write to the store (pulls, drops) goes through the record types. */
  records: LocalRecords;
  /** The index of held records (reads only). */
  store: IndexedRecordStore;
  /** Every live contact of the routing table (membership fingerprint, goodbyes). */
  contacts: () => Contact[];
  /** Replication settings in force (R, rpcTimeoutMs). */
  replication: () => Readonly<ReplicationOptions>;
  /** The live settings of anti-entropy (an object whose `options` are replaced on reload). */
  settings: { readonly options: Readonly<AntiEntropyOptions> };
  clock: Clock;
  log: Logger;
  counters: RepairCounters;
  backoff: PeerBackoff;
}

/** The deadline of one anti-entropy call. */
export function callOptions(c: RepairContext): { timeoutMs: number } {
  return { timeoutMs: c.replication().rpcTimeoutMs };
}
