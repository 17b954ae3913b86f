/**
 * Typed events of an iterative lookup: one stream feeds logs, metrics and the dashboard's
 * lookup trace, so they never disagree about what happened.
 */
import type { Contact, NodeId } from "../types.js";

interface LookupEventBase {
  /** Identifies the lookup among concurrent ones (unique per KademliaNode). */
  lookupId: number;
  target: NodeId;
  /** Milliseconds since the lookup started. */
  atMs: number;
}

export interface QuerySentEvent extends LookupEventBase {
  type: "query-sent";
  peer: Contact;
  /** Who told us about `peer`; undefined for contacts from our own routing table. */
  via?: NodeId;
  method: "findNode" | "findValue";
}

export interface PeerRespondedEvent extends LookupEventBase {
  type: "peer-responded";
  peer: Contact;
  durationMs: number;
  /** Returned contacts closer than any seen before. */
  closerContacts: number;
  hadRecord: boolean;
}

export interface PeerFailedEvent extends LookupEventBase {
  type: "peer-failed";
  peer: Contact;
  durationMs: number;
  /** Error code, e.g. "deadline_exceeded", "unavailable", "canceled" (abandoned at the end). */
  error: string;
}

export interface LookupFinishedEvent extends LookupEventBase {
  type: "lookup-finished";
  totalMs: number;
  queried: number;
  responded: number;
  failed: number;
  hops: number;
  closest: number;
  /** Why it stopped: the wanted closest answered, no candidates left, the request cap, or the operation it served was canceled. */
  reason: "converged" | "exhausted" | "request-cap" | "canceled";
}

export type LookupEvent = QuerySentEvent | PeerRespondedEvent | PeerFailedEvent | LookupFinishedEvent;

/** Receives lookup events synchronously; it must not throw (errors are swallowed). */
export type LookupListener = (event: LookupEvent) => void;
