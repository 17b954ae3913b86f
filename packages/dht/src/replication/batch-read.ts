/**
 * The read half of the batch operations (batch-operations.ts): each key's Rq of the R closest
 * asked with one FindValueMany per replica. A key is answered from that round only when every
 * replica asked answered it with a valid copy; any other (a failed call, a replica silent past
 * its stuck time, an omitted or invalid answer, a lookup needed) takes the single-key get with
 * all its rules.
 */
import { DhtError } from "../errors.js";
import type { Contact, DhtRecord, NodeId } from "../types.js";
import type { FindValueManyOutcome } from "../rpc/peer-rpc.js";
import { withDeadline, type OperationScope } from "../rpc/deadline.js";
import { validateKey } from "../records/record-validation.js";
import { compareVersions } from "../records/version.js";
import { byDistance, sha256Hex } from "./position.js";
import { batchCallTimeout, mapBounded, replicaBatches, reportCallFailure, SINGLE_KEY_CONCURRENCY } from "./batch-calls.js";
import type { BatchContext, BatchReadOutcome } from "./batch-operations.js";
import { acceptRemote } from "./quorum-read.js";

/** What #ask answers when the replica went stuck. */
const STUCK = Symbol("stuck");

/** A key's read in the batch round. */
interface ReadPlan {
  key: string;
  replicas: Contact[];
  asked: Contact[];
  /** Our own copy first, then each asked replica's valid answer (null: none held). */
  answers: Map<NodeId, DhtRecord | null>;
  /** An asked replica failed, refused, left the key out or answered nonsense. */
  unsettled: boolean;
}

export class BatchReader {
  readonly #c: BatchContext;

  constructor(context: BatchContext) {
    this.#c = context;
  }

  /** Reads keys (the caller checked their number); a key asked twice is read once and answered twice. */
  async getMany(keys: readonly string[], scope: OperationScope): Promise<BatchReadOutcome[]> {
    const { replicationFactor: r, readQuorum, rpcTimeoutMs } = this.#c.options();
    const self = this.#c.router.self;
    const settled = new Map<string, BatchReadOutcome>();
    const plans: ReadPlan[] = [];
    const single: string[] = [];
    for (const key of new Set(keys)) {
      try {
        validateKey(key);
      } catch (err) {
        settled.set(key, { key, error: DhtError.from(err) });
        continue;
      }
      const position = sha256Hex(key);
      const whole = this.#c.router.wholeNetworkNear?.(position, 2 * r);
      if (!whole) {
        single.push(key);
        continue;
      }
      const replicas = byDistance([self, ...whole], position).slice(0, r);
      const selfIsReplica = replicas.some((c) => c.id === self.id);
      const asked = replicas.filter((c) => c.id !== self.id).slice(0, readQuorum - (selfIsReplica ? 1 : 0));
      plans.push({ key, replicas, asked, answers: new Map(), unsettled: false });
    }
    // Our own copy counts even when we are outside the set (a former replica holder), as in get().
    await Promise.all(plans.map(async (p) => p.answers.set(self.id, (await this.#c.records.read(p.key)) ?? null)));

    const groups = replicaBatches(plans, (p) => p.asked, () => 0);
    await Promise.all(
      [...groups].map(async ([peer, batches]) => {
        let stuck = false;
        for (const batch of batches) {
          const fail = () => batch.forEach((p) => (p.unsettled = true));
          // A replica that let one batch go stuck is not waited for again in this call.
          if (stuck) {
            fail();
            continue;
          }
          try {
            const got = await this.#ask(peer, batch.map((p) => p.key), rpcTimeoutMs, scope);
            if (got === STUCK) {
              stuck = true;
              fail();
              continue;
            }
            this.#c.router.reportSuccess(peer);
            if (got.length !== batch.length) {
              this.#c.log.warn({ peer: peer.id, asked: batch.length, answered: got.length }, "ignoring a FindValueMany answer with the wrong number of outcomes");
              fail();
              continue;
            }
            batch.forEach((p, i) => {
              const outcome = got[i]!;
              const held = outcome === "omitted" || outcome instanceof DhtError ? undefined : acceptRemote(this.#c.records, this.#c.log, peer.id, p.key, outcome);
              if (held === undefined) p.unsettled = true;
              else p.answers.set(peer.id, held);
            });
          } catch (err) {
            reportCallFailure(this.#c, peer, err);
            fail();
          }
        }
      }),
    );
    scope.throwIfAborted();

    for (const p of plans) {
      if (p.unsettled) single.push(p.key);
      else settled.set(p.key, this.#decide(p));
    }
    await mapBounded(single, SINGLE_KEY_CONCURRENCY, async (key) => {
      try {
        settled.set(key, { key, record: (await this.#c.get(key, { signal: scope.signal })).record });
      } catch (err) {
        settled.set(key, { key, error: DhtError.from(err) });
      }
    });
    scope.throwIfAborted();
    return keys.map((key) => settled.get(key)!);
  }

  /**
   * One FindValueMany, waited for until the replica counts as stuck (batchStuckAfter: a paused
   * replica would otherwise hold the whole batch until the call's deadline, seconds for a large
   * batch); then the call is cancelled and STUCK returned, and its keys take the single-key path,
   * which asks the other replicas.
   */
  async #ask(peer: Contact, keys: string[], rpcTimeoutMs: number, scope: OperationScope): Promise<FindValueManyOutcome[] | typeof STUCK> {
    const timeoutMs = batchCallTimeout(rpcTimeoutMs, keys.length);
    const stuckMs = this.#c.batchStuckAfter(peer.id, keys.length);
    if (stuckMs === undefined || stuckMs >= timeoutMs) return this.#c.transport.findValueMany(peer, keys, { timeoutMs, signal: scope.signal });
    let stuck: DhtError | undefined;
    try {
      return await withDeadline((signal) => this.#c.transport.findValueMany(peer, keys, { timeoutMs, signal }), {
        timeoutMs: stuckMs,
        signal: scope.signal,
        what: () => `FindValueMany to ${peer.id.slice(0, 8)}`,
        timeoutError: () => (stuck = DhtError.canceled(`FindValueMany to ${peer.id.slice(0, 8)}: no answer within ${stuckMs} ms, its keys read one by one`)),
      });
    } catch (err) {
      if (err !== stuck) throw err;
      this.#c.onHedge();
      return STUCK;
    }
  }

  /**
   * Rq of the R closest answered (ourselves included when we are one): the newest version wins,
   * older answers are repaired, and a missing key or a tombstone is NOT_FOUND, as in get().
   */
  #decide(p: ReadPlan): BatchReadOutcome {
    let newest: DhtRecord | undefined;
    for (const record of p.answers.values()) if (record && (!newest || compareVersions(record.version, newest.version) > 0)) newest = record;
    if (newest && this.#c.records.repairable(newest)) {
      for (const peer of p.replicas) {
        const held = p.answers.get(peer.id);
        if (held !== undefined && (held === null || compareVersions(held.version, newest.version) < 0)) this.#c.repair(peer, newest);
      }
    }
    if (!newest || newest.tombstone) return { key: p.key, error: DhtError.notFound("key not found") };
    return { key: p.key, record: newest };
  }
}
