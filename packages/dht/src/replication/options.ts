import { DhtError } from "../errors.js";

/** Replication settings. All can change live through `updateOptions` (config hot reload). */
export interface ReplicationOptions {
  /** R: how many peers, the closest to a key's position, hold each record. Default 3. */
  replicationFactor: number;
  /** W: acknowledgements a put/delete waits for. Default 2, so one slow or dead replica costs no latency. */
  writeQuorum: number;
  /** Rq: replicas that must answer a get. Default 2; W + Rq > R means a read sees the latest acknowledged write. */
  readQuorum: number;
  /** Deadline of every remote call, in ms. Default 3000: far above a loopback/LAN round trip (~0.2 ms), short enough to fail over quickly. */
  rpcTimeoutMs: number;
  /** Largest value accepted, in bytes. Default 1 MiB (files are chunked well below it). */
  maxValueBytes: number;
  /** Read repairs in flight at most; further stale replicas are left to anti-entropy. Default 256. */
  maxPendingRepairs: number;
  /**
   * Deadline of one whole client operation (lookup plus quorum round), ms, unless the caller
   * gives its own. Default 5000: a few deadlines of a peer call, so a get can fail over from a
   * dead replica to a live one and still answer.
   */
  requestTimeoutMs: number;
}

export const defaultReplicationOptions: Readonly<ReplicationOptions> = Object.freeze({
  replicationFactor: 3,
  writeQuorum: 2,
  readQuorum: 2,
  rpcTimeoutMs: 3000,
  maxValueBytes: 1 << 20,
  maxPendingRepairs: 256,
  requestTimeoutMs: 5000,
});

/**
 * Fills defaults and checks the combination; throws DhtError INVALID_ARGUMENT naming
 * the field (e.g. `writeQuorum: must be an integer from 1 to replicationFactor (3), got 4`).
 */
export function resolveReplicationOptions(
  partial: Partial<ReplicationOptions>,
  base: Readonly<ReplicationOptions> = defaultReplicationOptions,
): ReplicationOptions {
  const o: ReplicationOptions = { ...base, ...partial };
  const integer = (field: keyof ReplicationOptions, min: number, max = Number.MAX_SAFE_INTEGER, maxName = String(max)) => {
    const v = o[field];
    if (!Number.isSafeInteger(v) || v < min || v > max) {
      throw new DhtError(`${field}: must be an integer from ${min} to ${maxName}, got ${String(v)}`, "invalid_argument");
    }
  };
  integer("replicationFactor", 1, 64);
  const r = o.replicationFactor;
  integer("writeQuorum", 1, r, `replicationFactor (${r})`);
  integer("readQuorum", 1, r, `replicationFactor (${r})`);
  integer("rpcTimeoutMs", 1, 600_000);
  integer("maxValueBytes", 0);
  integer("maxPendingRepairs", 0, 100_000);
  integer("requestTimeoutMs", 1, 3_600_000);
  return o;
}
