/** JSON shapes of the dashboard's action routes (Data page, peer records), shared with the browser. */
import type { VersionView } from "./snapshot-types";

export interface TraceStepView {
  id: string;
  httpAddress: string;
  sentAtMs: number;
  durationMs: number;
  ok: boolean;
  error: string;
  closerContacts: number;
  hadRecord: boolean;
}

export interface ReplicaView {
  id: string;
  httpAddress: string;
  /** Put/Delete: acknowledged the write. Get: answered the read. */
  ok: boolean;
  version?: VersionView;
  tombstone?: boolean;
  repaired?: boolean;
}

export interface DataResult {
  op: "put" | "get" | "delete";
  /** The peer that coordinated the call. */
  via: string;
  key: string;
  position: string;
  value?: string;
  version?: VersionView;
  replicas: ReplicaView[];
  trace?: { target: string; steps: TraceStepView[]; totalMs: number; hops: number };
  /** Round trip seen by the dashboard's server. */
  elapsedMs: number;
}

export interface PeerRecordsPage {
  records: { key: string; position: string; version: VersionView; tombstone: boolean; sizeBytes: number }[];
  nextPageToken: string;
  total: number;
}

/** An owned (signed) record, as /api/owned answers it. */
export interface OwnedView {
  key: string;
  /** The owner's Ed25519 public key, hex. */
  owner: string;
  salt: string;
  seq: number;
  value: string;
  signature: string;
  /** The dashboard's server checked the signature and the key itself. */
  verified: boolean;
}
