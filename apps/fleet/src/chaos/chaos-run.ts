/**
 * One chaos run, start to verdict, in the manner of a Jepsen test:
 *  1. load: `clients` clients write, read and delete `keys` keys through random running peers
 *     while the nemesis injects one fault after another, for `seconds`;
 *  2. heal: every fault ends, every peer runs again, and each peer runs repair rounds until
 *     the network has settled;
 *  3. final reads: every key is read through two peers;
 *  4. the history is checked (@p2p/checker) and the verdict saved beside it.
 * Everything goes to <fleet dir>/chaos/<run id>/ (history.jsonl, verdict.txt, verdict.json).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { checkHistory, formatVerdict, HistoryWriter, parseHistory, type Verdict } from "@p2p/checker";
import type { Logger } from "pino";
import type { Fleet } from "../fleet.js";
import type { ChaosOptions } from "./chaos-options.js";
import { runNemesis, type FaultRecord } from "./nemesis.js";
import { Prng } from "./prng.js";
import { readBackEveryKey, waitForSettled } from "./settle.js";
import { Workload, type OpCounts, type Target } from "./workload.js";

export type ChaosState = "running" | "healing" | "checking" | "passed" | "failed" | "error";

/** What the API shows of a run. */
export interface ChaosRunView {
  id: string;
  options: ChaosOptions;
  state: ChaosState;
  startedAtMs: number;
  endedAtMs: number;
  historyPath: string;
  counts: OpCounts;
  faults: FaultRecord[];
  anomalies: number;
  anomalyLines: string[];
  /** When the first operation of each anomaly line began (ms since the run started). */
  anomalyAtMs: number[];
  staleDuringFaults: number;
  verdict: string;
  error: string;
}

/**
 * How long after a fault ends a stale read is still put down to it. The network promises to
 * have converged by then: contacts evicted during a partition are probed again at least every
 * 2 s in the first minute (reprobeIntervalMs × 2; the first to answer sets off probes of all the
 * others), and a contact that comes back sets off hinted hand-off at once.
 * Final reads, after the heal phase, are never excused.
 */
export const SETTLE_MS = 5000;

/** Client deadline of one operation: above the peers' request deadline in a chaos fleet. */
const CLIENT_TIMEOUT_MS = 4000;
const MAX_ANOMALY_LINES = 50;

export class ChaosRun {
  readonly id: string;
  readonly dir: string;
  readonly #fleet: Fleet;
  readonly #o: ChaosOptions;
  readonly #log: Logger | undefined;
  /** Aborts at the end of the load phase (its length, or stop()). */
  readonly #stop = new AbortController();
  readonly #view: ChaosRunView;
  /** Settles when the run has a verdict (or an error); never rejects. */
  readonly done: Promise<void>;

  constructor(fleet: Fleet, options: ChaosOptions, logger?: Logger) {
    const startedAtMs = Date.now();
    this.id = `${new Date(startedAtMs).toISOString().replace(/[:.]/g, "-")}-seed-${options.seed}`;
    this.dir = join(fleet.dir, "chaos", this.id);
    this.#fleet = fleet;
    this.#o = options;
    this.#log = logger;
    this.#view = {
      id: this.id, options, state: "running", startedAtMs, endedAtMs: 0, historyPath: join(this.dir, "history.jsonl"),
      counts: { ops: 0, ok: 0, fail: 0, unknown: 0, okPerSecond: [], errorsPerSecond: [] }, faults: [], anomalies: 0, anomalyLines: [], anomalyAtMs: [], staleDuringFaults: 0, verdict: "", error: "",
    };
    this.done = this.#run().catch((err: unknown) => {
      this.#view.state = "error";
      this.#view.error = (err as Error).message;
      this.#log?.error({ run: this.id, err: this.#view.error }, "chaos run failed");
    }).finally(() => {
      this.#view.endedAtMs = Date.now();
    });
  }

  view(): ChaosRunView {
    const c = this.#view.counts;
    return { ...this.#view, counts: { ...c, okPerSecond: [...c.okPerSecond], errorsPerSecond: [...c.errorsPerSecond] }, faults: this.#view.faults.map((f) => ({ ...f })) };
  }

  get finished(): boolean {
    return this.#view.endedAtMs !== 0;
  }

  /** Ends the load phase early; the run still heals, reads back and checks. */
  stop(): void {
    this.#stop.abort();
  }

  async #run(): Promise<void> {
    const o = this.#o;
    await mkdir(this.dir, { recursive: true });
    const t0 = performance.now();
    const now = () => Math.round((performance.now() - t0) * 1000) / 1000;
    const history = await HistoryWriter.open(this.#view.historyPath, {
      run: this.id,
      meta: { settleMs: SETTLE_MS, seed: o.seed, seconds: o.seconds, clients: o.clients, keys: o.keys, faults: o.faults, peers: this.#fleet.list().map((p) => ({ name: p.name, id: p.id })) },
    });
    try {
      const workload = new Workload({ history, now, targets: () => this.#targets(), counts: this.#view.counts, timeoutMs: CLIENT_TIMEOUT_MS });
      // Keys of this run only: an earlier run's values on the same fleet would be phantoms here.
      const keys = Array.from({ length: o.keys }, (_, i) => `chaos/${this.#view.startedAtMs.toString(36)}/${i}`);
      const rng = new Prng(o.seed);

      // 1. Load under faults.
      await history.phase("load", now());
      // An explicit timer: an AbortSignal.timeout() held only through AbortSignal.any() can be
      // garbage-collected before it fires on Node 20, and the load would never end.
      const timer = setTimeout(() => this.#stop.abort(), o.seconds * 1000);
      const load = this.#stop.signal;
      const clientSeeds = Array.from({ length: o.clients }, () => rng.int(1, 2 ** 31));
      const nemesisRng = new Prng(rng.int(1, 2 ** 31));
      await Promise.all([
        ...clientSeeds.map((seed, i) => workload.runClient(`c${i}`, new Prng(seed), keys, load)),
        o.faults.length ? runNemesis({ fleet: this.#fleet, history, now, rng: nemesisRng, kinds: o.faults, faults: this.#view.faults, log: (obj, msg) => this.#log?.info({ run: this.id, ...obj }, msg) }, load) : Promise.resolve(),
      ]);
      clearTimeout(timer);

      // 2. Heal and settle.
      this.#view.state = "healing";
      await history.phase("heal", now());
      await this.#heal();

      // 3. Every key read back through two peers.
      await history.phase("final-reads", now());
      await readBackEveryKey(workload, keys, this.#targets(), o.seed);
    } finally {
      await history.close();
    }

    // 4. Check.
    this.#view.state = "checking";
    const verdict = checkHistory(parseHistory(await readFile(this.#view.historyPath, "utf8")), { settleMs: SETTLE_MS });
    await this.#record(verdict);
  }

  #targets(): Target[] {
    return this.#fleet
      .list()
      .filter((p) => p.state === "running" && p.httpAddress)
      .map((p) => ({ name: p.name, httpAddress: p.httpAddress }));
  }

  /** Ends every fault, brings every peer back, and runs repair until nothing is under-replicated. */
  async #heal(): Promise<void> {
    await this.#fleet.faults.heal();
    for (const p of this.#fleet.list()) {
      if (p.state === "crashed") await this.#fleet.restart(p.name);
    }
    if (!(await waitForSettled(this.#targets()))) {
      this.#log?.warn({ run: this.id }, "chaos: the network did not settle within 60 s; checking anyway");
    }
  }

  async #record(verdict: Verdict): Promise<void> {
    const text = formatVerdict(verdict);
    await writeFile(join(this.dir, "verdict.txt"), text + "\n");
    await writeFile(join(this.dir, "verdict.json"), JSON.stringify(verdict, null, 2) + "\n");
    Object.assign(this.#view, {
      state: verdict.valid ? "passed" : "failed",
      anomalies: verdict.anomalies.length,
      anomalyLines: verdict.anomalies.slice(0, MAX_ANOMALY_LINES).map((a) => `${a.kind} ${JSON.stringify(a.key)}: ${a.explanation}`),
      anomalyAtMs: verdict.anomalies.slice(0, MAX_ANOMALY_LINES).map((a) => Math.round(a.ops[0]?.start ?? 0)),
      staleDuringFaults: verdict.counts.staleDuringFaults,
      verdict: text,
    });
    this.#log?.info({ run: this.id, valid: verdict.valid, anomalies: verdict.anomalies.length, ops: this.#view.counts.ops }, "chaos run checked");
  }
}

