/** What client operations take and answer: the coordinator's API types. */
import type { Contact, DhtRecord, LookupStep, NodeId, Version } from "../types.js";
import type { SpanContext } from "../tracing/trace-context.js";

/** A client operation's cancellation and deadline. */
export interface OperationOptions {
  /** The client's signal: when it aborts (the request ended, its own deadline passed), so does the operation. */
  signal?: AbortSignal;
  /** The operation's deadline, ms. Default: ReplicationOptions.requestTimeoutMs. */
  timeoutMs?: number;
  /**
   * The caller's span (the API request's). When sampled, the operation and each of its steps
   * (lookup, replica calls, read repair, quorum reached) are recorded as spans under it.
   */
  traceParent?: SpanContext;
}

/** Outcome of a put or delete, returned once W replicas have acknowledged. */
export interface WriteResult {
  key: string;
  position: NodeId;
  version: Version;
  /** The R peers closest to the position (self included when it is one of them). */
  replicas: Contact[];
  /** Peers that had acknowledged when the quorum was reached (may include a fallback peer). */
  acknowledgedBy: NodeId[];
}

/** What one replica answered to a get. */
export interface ReplicaReport {
  peer: Contact;
  answered: boolean;
  /** The version it holds; absent when it answered without the key or did not answer. */
  version?: Version;
  tombstone: boolean;
  /** A read repair (the newest record) was sent to it in the background. */
  repaired: boolean;
}

export interface ReadOptions extends OperationOptions {
  /** Return the lookup path (peers contacted, in order, with timings). Default false. */
  trace?: boolean;
  /** Ask all R replicas instead of a read quorum. Default false. */
  allReplicas?: boolean;
}

export interface LookupTrace {
  steps: LookupStep[];
  hops: number;
  totalMs: number;
}

export interface ReadResult {
  key: string;
  position: NodeId;
  /** The newest live record among the answers. */
  record: DhtRecord;
  replicas: ReplicaReport[];
  /** Present when the get asked for a trace. */
  trace?: LookupTrace;
}
