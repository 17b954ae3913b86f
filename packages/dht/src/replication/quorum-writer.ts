/**
 * The one quorum writer, for records, tombstones, manifests and chunks: R writers draw peers
 * from the same candidate list (the R closest first, then the spares), each moving on to the
 * next candidate when its peer refuses or fails, so R copies usually exist even while a holder
 * is down; the write counts once W of them have stored it.
 */
import { DhtError } from "../errors.js";
import type { Contact } from "../types.js";
import type { SpareCandidates } from "./replica-candidates.js";

export interface QuorumWriteOptions {
  /** Closest first: the first `replicas` are the replica set, the rest stand in. */
  candidates: SpareCandidates;
  /** R: copies wanted. */
  replicas: number;
  /** W: copies that make the write succeed. */
  quorum: number;
  /** Stores on one peer (self included); throws to move on to the next candidate. */
  write(peer: Contact): Promise<void>;
  /** The error when fewer than `quorum` copies can be stored, given how many were and why the others failed. */
  shortfall(stored: number, failures: readonly WriteFailure[]): DhtError;
  /**
   * True for a failure that ends the whole write at once instead of moving on to the next
   * candidate: a replica holding a newer version must not be replaced by a spare that would
   * accept the older one and count as an acknowledgement. `reached` then rejects with it.
   */
  fatal?(error: DhtError): boolean;
}

export interface WriteFailure {
  peer: Contact;
  error: DhtError;
}

export interface WriteReport {
  stored: Contact[];
  failed: WriteFailure[];
}

export interface QuorumWrite {
  /**
   * The peers that had stored it when the quorum was reached; rejects with `shortfall` as soon
   * as the quorum is out of reach (each writer still running can add at most one copy).
   */
  readonly reached: Promise<Contact[]>;
  /** Every writer has stored or run out of candidates. Never rejects. */
  readonly settled: Promise<WriteReport>;
}

/** Starts the R writers. Callers that answer at the quorum keep `settled` for the rest. */
export function startQuorumWrite(o: QuorumWriteOptions): QuorumWrite {
  const report: WriteReport = { stored: [], failed: [] };
  let running = o.replicas;
  let done = false;
  let resolveReached!: (acked: Contact[]) => void;
  let rejectReached!: (error: DhtError) => void;
  const reached = new Promise<Contact[]>((resolve, reject) => {
    resolveReached = resolve;
    rejectReached = reject;
  });
  reached.catch(() => {}); // a caller waiting only for `settled` must not leave it unhandled
  const check = () => {
    if (done) return;
    if (report.stored.length >= o.quorum) {
      done = true;
      resolveReached([...report.stored]);
    } else if (report.stored.length + running < o.quorum) {
      done = true;
      rejectReached(o.shortfall(report.stored.length, report.failed));
    }
  };
  let fatal = false;
  const writer = async () => {
    for (let peer = await o.candidates.next(); peer && !fatal; peer = await o.candidates.next()) {
      try {
        await o.write(peer);
        report.stored.push(peer);
        return;
      } catch (err) {
        const error = DhtError.from(err);
        report.failed.push({ peer, error });
        if (o.fatal?.(error)) {
          fatal = true;
          if (!done) {
            done = true;
            rejectReached(error);
          }
          return;
        }
      }
    }
  };
  const settled = Promise.all(
    Array.from({ length: o.replicas }, () =>
      writer().finally(() => {
        running--;
        check();
      }),
    ),
  ).then(() => report);
  check(); // W = 0 or no writers: settle `reached` at once
  return { reached, settled };
}

/**
 * Writes and waits for every writer (so no transfer outlives a failed upload); throws
 * `shortfall` with every failure when fewer than `quorum` copies were stored.
 */
export async function writeAndSettle(o: QuorumWriteOptions): Promise<WriteReport> {
  const report = await startQuorumWrite(o).settled;
  if (report.stored.length < o.quorum) throw o.shortfall(report.stored.length, report.failed);
  return report;
}

/** "ab12cd34: unavailable; …": the failures of a write, for its error message. */
export function describeFailures(failures: readonly WriteFailure[]): string {
  return failures.map((f) => `${f.peer.id.slice(0, 8)}: ${f.error.message}`).join("; ");
}
