/** The controller's chaos runs: at most one at a time, the last few kept for the API. */
import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Fleet } from "../fleet.js";
import { resolveChaosOptions, type ChaosOptionsInput } from "./chaos-options.js";
import { ChaosRun, type ChaosRunView } from "./chaos-run.js";

/** Runs remembered (their files stay on disk regardless). */
const MAX_RUNS_KEPT = 20;

export class ChaosRunner {
  readonly #fleet: Fleet;
  readonly #log: Logger | undefined;
  readonly #runs: ChaosRun[] = [];

  constructor(fleet: Fleet, logger?: Logger) {
    this.#fleet = fleet;
    this.#log = logger;
  }

  /** Starts a run. FAILED_PRECONDITION while one runs or with fewer than 3 running peers. */
  start(input: ChaosOptionsInput): ChaosRunView {
    const options = resolveChaosOptions(input);
    const current = this.#runs.at(-1);
    if (current && !current.finished) throw new ConnectError(`chaos run ${current.id} is still going: stop it or wait for its verdict`, Code.FailedPrecondition);
    const running = this.#fleet.list().filter((p) => p.state === "running").length;
    if (running < 3) throw new ConnectError(`a chaos run needs at least 3 running peers, the fleet has ${running}`, Code.FailedPrecondition);
    const run = new ChaosRun(this.#fleet, options, this.#log);
    this.#runs.push(run);
    if (this.#runs.length > MAX_RUNS_KEPT) this.#runs.shift();
    this.#log?.info({ run: run.id, ...options }, "chaos run started");
    return run.view();
  }

  /** A run by ID, or the latest for "". NOT_FOUND otherwise. */
  get(id: string): ChaosRun {
    const run = id ? this.#runs.find((r) => r.id === id) : this.#runs.at(-1);
    if (!run) throw new ConnectError(id ? `chaos run "${id}" not found` : "no chaos run yet", Code.NotFound);
    return run;
  }

  list(): ChaosRunView[] {
    return this.#runs.map((r) => r.view()).reverse();
  }

  /** Ends the current run's load phase; FAILED_PRECONDITION when none runs. */
  stop(): ChaosRun {
    const current = this.#runs.at(-1);
    if (!current || current.finished) throw new ConnectError("no chaos run is going", Code.FailedPrecondition);
    current.stop();
    return current;
  }

  /** Stops the current run and waits for it (the controller is closing). */
  async close(): Promise<void> {
    const current = this.#runs.at(-1);
    if (!current || current.finished) return;
    current.stop();
    await current.done;
  }
}
