/**
 * When anti-entropy rounds run: every repair interval, and promptly (after a short delay that
 * lets a burst of joins cost one round) when the membership changes. At most one round runs at
 * a time; a change seen during a round asks for another right after it. Timers never keep the
 * process alive.
 */
import type { Clock } from "../types.js";

export interface RoundSchedulerOptions {
  clock: Clock;
  /** The regular interval and the prompt delay, read when scheduling (they change live). */
  settings: { readonly options: { readonly repairIntervalMs: number; readonly promptDelayMs: number } };
  /** One round; never rejects. */
  round: () => Promise<void>;
}

export class RoundScheduler {
  readonly #o: RoundSchedulerOptions;
  #timer: NodeJS.Timeout | undefined;
  #dueAtMs = Infinity;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;

  constructor(options: RoundSchedulerOptions) {
    this.#o = options;
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  /**
   * Starts scheduling (first round after the prompt delay, once `ready` settles). A `ready`
   * that rejects (the index load failed) still schedules rounds: each round loads again and
   * logs its failure, and the rejection must never go unhandled (it would end the process).
   */
  start(ready: Promise<unknown>): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const first = () => this.schedule(this.#o.settings.options.promptDelayMs);
    ready.then(first, first);
  }

  /** Stops the timer and waits for a running round. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** A round soon: after the prompt delay, or right after the running one. */
  nudge(): void {
    this.schedule(this.#o.settings.options.promptDelayMs);
  }

  /** The running round left work over: go again promptly after it. */
  again(): void {
    this.#again = true;
  }

  /** Runs one round now (or waits for the running one and runs another). */
  async runNow(): Promise<void> {
    while (this.#running) await this.#running;
    this.#running = this.#o.round().finally(() => (this.#running = undefined));
    await this.#running;
  }

  /** The interval changed: reschedule the next regular round from now (unless one runs). */
  intervalChanged(): void {
    if (!this.#running) this.schedule(this.#o.settings.options.repairIntervalMs, true);
  }

  /** Schedules a round in `delayMs` unless one is due sooner (`replace`: even then). */
  schedule(delayMs: number, replace = false): void {
    if (this.#stopped) return;
    const due = this.#o.clock.now() + delayMs;
    if (this.#running) {
      if (delayMs <= this.#o.settings.options.promptDelayMs) this.#again = true;
      return;
    }
    if (this.#timer && this.#dueAtMs <= due && !replace) return;
    clearTimeout(this.#timer);
    this.#dueAtMs = due;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#dueAtMs = Infinity;
      this.#running = this.#o.round().finally(() => {
        this.#running = undefined;
        const prompt = this.#again;
        this.#again = false;
        this.schedule(prompt ? this.#o.settings.options.promptDelayMs : this.#o.settings.options.repairIntervalMs);
      });
    }, delayMs);
    this.#timer.unref();
  }
}
