/**
 * The clients of a chaos run: each writes, reads and deletes keys from a small set through a
 * random running peer, one operation at a time, and records every invocation and completion in
 * the history. Outcomes follow what a client can know: ok; fail only for a refusal that
 * certainly changed nothing (INVALID_ARGUMENT, RESOURCE_EXHAUSTED, or any error of a read);
 * unknown for everything else (a timeout, UNAVAILABLE, ABORTED...), which may have taken effect.
 *
 * A fifth of the operations go in batches (PutMany, GetMany, DeleteMany of 2 to 5 keys): each
 * key is its own operation in the history, invoked when the batch is sent and completed when
 * it answers, with its own per-key outcome, so the checker judges batch keys by the same rules.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import type { HistoryWriter, Version } from "@p2p/checker";
import { nodeClient, type NodeClient } from "@p2p/launcher";
import type { Prng } from "./prng.js";

/** A peer a client may send to. */
export interface Target {
  name: string;
  httpAddress: string;
  /** The peer's admin token, for AdminService calls from another machine (test hosts); loopback needs none. */
  adminToken?: string;
}

export interface OpCounts {
  ops: number;
  ok: number;
  fail: number;
  unknown: number;
  /** Completed ok / not ok in each second of the run (index = second). */
  okPerSecond: number[];
  errorsPerSecond: number[];
}

/** Counts one completion in its second of the run. */
function countIn(series: number[], atMs: number): void {
  const second = Math.max(0, Math.floor(atMs / 1000));
  // Bounded by the run's length (at most an hour of load plus the heal phase).
  if (second > 7200) return;
  while (series.length <= second) series.push(0);
  series[second]!++;
}

export interface WorkloadContext {
  history: HistoryWriter;
  /** ms since the run started (monotonic). */
  now: () => number;
  /** Running peers now. */
  targets: () => Target[];
  counts: OpCounts;
  /** Client deadline of one operation. */
  timeoutMs: number;
}

type Op = "put" | "get" | "delete";

/** Share of a client's operations sent as a batch. */
const BATCH_FRACTION = 0.2;
const MAX_BATCH_KEYS = 5;

/** Definite refusals of a write: nothing was stored. */
const DEFINITE_FAILURES = new Set([Code.InvalidArgument, Code.ResourceExhausted]);

function versionOf(v: { wallTimeMs: bigint; logical: number; writer: string } | undefined): Version | undefined {
  return v ? { wallMs: Number(v.wallTimeMs), logical: v.logical, writer: v.writer } : undefined;
}

/** Clients share one op ID sequence and one client per peer address. */
export class Workload {
  readonly #c: WorkloadContext;
  readonly #clients = new Map<string, NodeClient>();
  #nextOp = 1;

  constructor(context: WorkloadContext) {
    this.#c = context;
  }

  #client(address: string): NodeClient {
    let c = this.#clients.get(address);
    if (!c) this.#clients.set(address, (c = nodeClient(address, { timeoutMs: this.#c.timeoutMs })));
    return c;
  }

  /** One client: operations until `signal` aborts, a short random pause between them. */
  async runClient(name: string, rng: Prng, keys: readonly string[], signal: AbortSignal): Promise<void> {
    let seq = 0;
    while (!signal.aborted) {
      const r = rng.next();
      const f: Op = r < 0.45 ? "put" : r < 0.9 ? "get" : "delete";
      const key = rng.pick(keys);
      const value = f === "put" ? `${name}-${++seq}` : undefined;
      const targets = this.#c.targets();
      if (targets.length === 0) {
        await sleep(50);
        continue;
      }
      if (rng.next() < BATCH_FRACTION) {
        const batch = [...new Set(Array.from({ length: rng.int(2, MAX_BATCH_KEYS) }, () => rng.pick(keys)))];
        await this.batch(name, f, batch, rng.pick(targets), f === "put" ? batch.map(() => `${name}-${++seq}`) : []);
      } else {
        await this.op(name, f, key, rng.pick(targets), value);
      }
      await sleep(rng.int(2, 15));
    }
  }

  /** Runs and records one batch, each key as its own operation; never throws. */
  async batch(client: string, f: Op, keys: readonly string[], target: Target, values: readonly string[]): Promise<void> {
    const h = this.#c.history;
    const start = this.#c.now();
    const ops = keys.map((key, i) => ({ id: this.#nextOp++, client, f, key, peer: target.name, ...(f === "put" ? { value: values[i]! } : {}) }));
    for (const base of ops) await h.invoke({ ...base, start });
    this.#c.counts.ops += ops.length;
    const node = this.#client(target.httpAddress);
    let outcomes: KeyOutcome[];
    try {
      if (f === "get") {
        const res = await node.getMany({ keys: [...keys] });
        outcomes = res.results.map((r): KeyOutcome => {
          const version = versionOf(r.version);
          if (r.found && version) return { outcome: "ok", result: { found: true, value: r.value, version } };
          if (r.error?.code === "not_found") return { outcome: "ok", result: { found: false } };
          return keyErrorOutcome(f, r.error?.code ?? "unknown", r.error?.message ?? "no result");
        });
      } else {
        const res = f === "put" ? await node.putMany({ entries: keys.map((key, i) => ({ key, value: values[i]! })) }) : await node.deleteMany({ keys: [...keys] });
        outcomes = res.results.map((r): KeyOutcome => (r.error ? keyErrorOutcome(f, r.error.code, r.error.message) : { outcome: "ok", ...versionField(versionOf(r.version)) }));
      }
      if (outcomes.length !== keys.length) throw new ConnectError(`${outcomes.length} results for ${keys.length} keys`, Code.Internal);
    } catch (err) {
      const e = ConnectError.from(err);
      const outcome = f === "get" || DEFINITE_FAILURES.has(e.code) ? "fail" : "unknown";
      outcomes = keys.map(() => ({ outcome, error: `${Code[e.code]}: ${e.rawMessage}`.slice(0, 300) }));
    }
    const end = this.#c.now();
    const counts = this.#c.counts;
    for (const [i, base] of ops.entries()) {
      const o = outcomes[i]!;
      await h.complete({ ...base, start, end, ...o });
      counts[o.outcome]++;
      countIn(o.outcome === "ok" ? counts.okPerSecond : counts.errorsPerSecond, end);
    }
  }

  /** Runs and records one operation; never throws. Returns whether it was ok. */
  async op(client: string, f: Op, key: string, target: Target, value?: string): Promise<boolean> {
    const h = this.#c.history;
    const id = this.#nextOp++;
    const base = { id, client, f, key, peer: target.name, ...(value !== undefined ? { value } : {}) };
    const start = this.#c.now();
    await h.invoke({ ...base, start });
    const counts = this.#c.counts;
    counts.ops++;
    const node = this.#client(target.httpAddress);
    try {
      if (f === "put") {
        const res = await node.put({ key, value: value! });
        await h.complete({ ...base, start, end: this.#c.now(), outcome: "ok", ...versionField(versionOf(res.version)) });
      } else if (f === "delete") {
        const res = await node.delete({ key });
        await h.complete({ ...base, start, end: this.#c.now(), outcome: "ok", ...versionField(versionOf(res.version)) });
      } else {
        const res = await node.get({ key }).catch((err: unknown) => {
          if (ConnectError.from(err).code === Code.NotFound) return undefined;
          throw err;
        });
        const version = versionOf(res?.version);
        const result = res && version ? { found: true as const, value: res.value, version } : { found: false as const };
        await h.complete({ ...base, start, end: this.#c.now(), outcome: "ok", result });
      }
      counts.ok++;
      countIn(counts.okPerSecond, this.#c.now());
      return true;
    } catch (err) {
      const e = ConnectError.from(err);
      const outcome = f === "get" || DEFINITE_FAILURES.has(e.code) ? "fail" : "unknown";
      await h.complete({ ...base, start, end: this.#c.now(), outcome, error: `${Code[e.code]}: ${e.rawMessage}`.slice(0, 300) });
      counts[outcome]++;
      countIn(counts.errorsPerSecond, this.#c.now());
      return false;
    }
  }
}

/** What a client knows of one key of a batch: ok (with its version or read result), a definite failure, or unknown. */
type KeyOutcome = { outcome: "ok"; version?: Version; result?: { found: true; value: string; version: Version } | { found: false } } | { outcome: "fail" | "unknown"; error: string };

function keyErrorOutcome(f: Op, code: string, message: string): KeyOutcome {
  // A read's error changed nothing; a write's only when it was refused outright.
  const definite = f === "get" || code === "invalid_argument" || code === "resource_exhausted";
  return { outcome: definite ? "fail" : "unknown", error: `${code}: ${message}`.slice(0, 300) };
}

function versionField(v: Version | undefined): { version?: Version } {
  return v ? { version: v } : {};
}

