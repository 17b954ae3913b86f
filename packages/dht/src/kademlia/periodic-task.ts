/**
 * A task run every `intervalMs` and on demand, never two runs at once: a call while one runs
 * joins it. The timer does not keep the process alive; stop() waits for a running run.
 */
export class PeriodicTask {
  readonly #run: () => Promise<void>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  /** `run` should not reject (a rejection reaches only the caller of runNow). */
  constructor(run: () => Promise<void>) {
    this.#run = run;
  }

  /** Runs now, or joins the run in flight. */
  runNow(): Promise<void> {
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
    return this.#running;
  }

  start(intervalMs: number): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.runNow().catch(() => {}), intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }
}
