import { DhtError } from "../errors.js";

/** Replication settings. All can change live through `updateOptions` (config hot reload). */
export interface ReplicationOptions {
  /** R: how many peers, the closest to a key's position, hold each record. Default 3. */
  replicationFactor: number;
  /** W: acknowledgements a put/delete waits for. Default 2, so one slow or dead replica costs no latency. */
  writeQuorum: number;
  /** Rq: replicas that must answer a get. Default 2; W + Rq > R means a read sees the latest acknowledged write. */
  readQuorum: number;
  /**
   * "strong" (default): W + Rq must exceed R, so every read quorum overlaps every write quorum
   * and sees the latest acknowledged write; weaker settings are refused. "weak": any W and Rq,
   * accepting that a read may miss an acknowledged write — chosen on purpose, and shown as such.
   */
  consistency: "strong" | "weak";
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
  /**
   * Which client writes this peer coordinates. "open" (default): unsigned puts and deletes of
   * plain values too, as the original REST routes need. "signed-only": only owned records
   * (signed by their owner) and content-addressed files, whose keys certify them; a plain put
   * or delete is refused PERMISSION_DENIED. Replicas still keep plain records that other peers
   * send, so a network can switch peer by peer without repair refusing what it already holds.
   */
  writePolicy: WritePolicy;
  /** Keys in one PutMany, GetMany or DeleteMany, at most. Default 1000. */
  maxBatchKeys: number;
  /**
   * Hedged reads (quorum-read.ts): a replica that has not answered a read within the
   * `hedgePercentile` of its recent latencies, bounded by [hedgeMinMs, hedgeMaxMs] (hedgeMaxMs
   * while it has few samples), gets the next replica asked beside it. Default on, p90, 5–250 ms.
   */
  hedgeReads: boolean;
  hedgePercentile: number;
  hedgeMinMs: number;
  hedgeMaxMs: number;
  /** Reads that may hedge, percent over time (plus a burst of 10): a budget, so an overloaded network is not loaded more. Default 10. */
  hedgeBudgetPercent: number;
}

export type WritePolicy = "open" | "signed-only";

export const defaultReplicationOptions: Readonly<ReplicationOptions> = Object.freeze({
  replicationFactor: 3,
  writeQuorum: 2,
  readQuorum: 2,
  consistency: "strong",
  rpcTimeoutMs: 3000,
  maxValueBytes: 1 << 20,
  maxPendingRepairs: 256,
  requestTimeoutMs: 5000,
  writePolicy: "open",
  maxBatchKeys: 1000,
  hedgeReads: true,
  hedgePercentile: 90,
  hedgeMinMs: 5,
  hedgeMaxMs: 250,
  hedgeBudgetPercent: 10,
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
  const integer = (field: Exclude<keyof ReplicationOptions, "consistency" | "writePolicy" | "hedgeReads">, min: number, max = Number.MAX_SAFE_INTEGER, maxName = String(max)) => {
    const v = o[field];
    if (!Number.isSafeInteger(v) || v < min || v > max) {
      throw new DhtError(`${field}: must be an integer from ${min} to ${maxName}, got ${String(v)}`, "invalid_argument");
    }
  };
  integer("replicationFactor", 1, 64);
  const r = o.replicationFactor;
  integer("writeQuorum", 1, r, `replicationFactor (${r})`);
  integer("readQuorum", 1, r, `replicationFactor (${r})`);
  if (o.consistency !== "strong" && o.consistency !== "weak") {
    throw DhtError.invalidArgument(`consistency: must be "strong" or "weak", got ${JSON.stringify(o.consistency)}`);
  }
  if (o.consistency === "strong" && o.writeQuorum + o.readQuorum <= r) {
    throw DhtError.invalidArgument(
      `writeQuorum + readQuorum: must exceed replicationFactor (${r}) so that reads see every acknowledged write, got ${o.writeQuorum} + ${o.readQuorum}; set consistency "weak" to accept stale reads`,
    );
  }
  if (o.writePolicy !== "open" && o.writePolicy !== "signed-only") {
    throw DhtError.invalidArgument(`writePolicy: must be "open" or "signed-only", got ${JSON.stringify(o.writePolicy)}`);
  }
  integer("rpcTimeoutMs", 1, 600_000);
  integer("maxValueBytes", 0);
  integer("maxPendingRepairs", 0, 100_000);
  integer("requestTimeoutMs", 1, 3_600_000);
  integer("maxBatchKeys", 1, 100_000);
  if (typeof o.hedgeReads !== "boolean") throw DhtError.invalidArgument(`hedgeReads: must be true or false, got ${JSON.stringify(o.hedgeReads)}`);
  integer("hedgePercentile", 50, 99);
  integer("hedgeMinMs", 0, 60_000);
  integer("hedgeMaxMs", o.hedgeMinMs, 60_000, `60000 and at least hedgeMinMs (${o.hedgeMinMs})`);
  integer("hedgeBudgetPercent", 0, 100);
  return o;
}

/** Throws PERMISSION_DENIED when the policy refuses unsigned client writes (`what`: "put" or "delete"). */
export function refuseUnsigned(options: Readonly<ReplicationOptions>, what: string): void {
  if (options.writePolicy === "signed-only") {
    throw new DhtError(`${what}: this peer's write policy is signed-only: unsigned values are refused; publish an owned record signed by its owner instead (PutOwned, POST /owned)`, "permission_denied");
  }
}
