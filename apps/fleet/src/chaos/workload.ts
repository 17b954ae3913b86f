/**
 * The clients of a chaos run: each writes, reads and deletes keys from a small set through a
 * random running peer, one operation at a time, and records every invocation and completion in
 * the history. Outcomes follow what a client can know: ok; fail only for a refusal that
 * certainly changed nothing (INVALID_ARGUMENT, RESOURCE_EXHAUSTED, or any error of a read);
 * unknown for everything else (a timeout, UNAVAILABLE, ABORTED...), which may have taken effect.
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
      await this.op(name, f, key, rng.pick(targets), value);
      await sleep(rng.int(2, 15));
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

function versionField(v: Version | undefined): { version?: Version } {
  return v ? { version: v } : {};
}

