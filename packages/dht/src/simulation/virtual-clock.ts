/**
 * Virtual time for simulations: a deterministic event queue that stands in for the global
 * timers while `run()` drives some work, so a 10,000-node network with 80 ms WAN round trips and
 * 2 s deadlines runs as fast as the CPU allows, and every figure measured in it is exact
 * modelled time whatever the machine's load.
 *
 * Why swap the globals: the DHT core bounds its calls with plain `setTimeout` (the lookup's own
 * deadline, the deadline interceptor, the operation scope, the memory transport), and those are
 * the behaviours a WAN model must exercise. Replacing `setTimeout`/`setInterval` and their
 * `clear*` on `globalThis` for the duration of `run()` (as @sinonjs/fake-timers does) reaches
 * them all without a clock parameter threaded through the core. `Date.now`, `performance.now`,
 * `setImmediate` and `queueMicrotask` stay real: nodes get the virtual time through their
 * injected `Clock` (`clock` below), and the driver itself yields with the real `setImmediate`.
 *
 * How time advances: the driver waits until no microtask is left (one real `setImmediate`),
 * then fires the earliest timer (ties in the order they were set) and moves `now` to its time.
 * Work in between — handlers, promise chains, a whole lookup step — takes zero virtual time:
 * the model has no CPU, queueing or bandwidth cost, only the delays and deadlines it schedules.
 * Only one `run()` may be active in a process at a time.
 */
import type { Clock } from "../types.js";

type Callback = (...args: unknown[]) => void;

/** What `setTimeout` answers while virtual time is installed (enough of Node's Timeout for the core). */
export class VirtualTimer {
  /** Bumped when the timer is cleared or refreshed: queue entries of an older generation are stale. */
  generation = 0;
  cancelled = false;

  constructor(
    private readonly clock: VirtualClock,
    readonly id: number,
    readonly delayMs: number,
    readonly callback: Callback,
    readonly args: unknown[],
    /** Set for setInterval timers. */
    readonly repeat: boolean,
  ) {}

  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  /** Restarts the countdown from the current virtual time, as Node's `timeout.refresh()`. */
  refresh(): this {
    if (!this.cancelled) this.clock.schedule(this);
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

interface Entry {
  at: number;
  seq: number;
  timer: VirtualTimer;
  generation: number;
}

/** A binary min-heap of entries by (at, seq): the earliest first, ties in insertion order. */
class EventQueue {
  private readonly heap: Entry[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export interface VirtualRunOptions {
  /**
   * Real milliseconds the queue may stay empty while the work is unfinished before `run()`
   * gives up (the work waits for something no timer will bring: a bug). Default 10,000.
   */
  stallMs?: number;
}

export class VirtualClock {
  /** Virtual milliseconds since the clock was made. */
  now = 0;
  /** Timers fired so far. */
  fired = 0;
  /** The nodes' Clock: `epochMs` plus virtual time, so versions and ages move with the simulation. */
  readonly clock: Clock;
  private readonly queue = new EventQueue();
  private seq = 0;
  private nextId = 1;
  private installed = false;

  /** @param epochMs the wall-clock reading `clock.now()` starts from (fixed, so runs repeat). */
  constructor(readonly epochMs = Date.UTC(2030, 0, 1)) {
    this.clock = { now: () => this.epochMs + this.now };
  }

  /** Timers scheduled and not yet fired or cleared (cleared ones may still be counted until reached). */
  get pending(): number {
    return this.queue.size;
  }

  /** @internal Queues `timer` to fire `timer.delayMs` from now (dropping any earlier schedule of it). */
  schedule(timer: VirtualTimer): void {
    timer.generation++;
    this.queue.push({ at: this.now + timer.delayMs, seq: this.seq++, timer, generation: timer.generation });
  }

  setTimeout(callback: Callback, ms?: number, ...args: unknown[]): VirtualTimer {
    return this.add(callback, ms, args, false);
  }

  setInterval(callback: Callback, ms?: number, ...args: unknown[]): VirtualTimer {
    return this.add(callback, ms, args, true);
  }

  clear(timer: unknown): void {
    if (timer instanceof VirtualTimer) {
      timer.cancelled = true;
      timer.generation++;
    }
  }

  /**
   * Fires the earliest pending timer, moving `now` to its time. False when none is pending.
   * Callers must let microtasks settle between steps (run() does).
   */
  step(): boolean {
    for (;;) {
      const e = this.queue.pop();
      if (!e) return false;
      const t = e.timer;
      if (t.cancelled || e.generation !== t.generation) continue;
      this.now = e.at;
      if (t.repeat) this.schedule(t);
      else t.cancelled = true;
      this.fired++;
      t.callback(...t.args);
      return true;
    }
  }

  /**
   * Runs `work` in virtual time: the global timers are this clock's until `work` settles, then
   * the real ones are back (timers still pending then never fire). Rejects as `work` does, or
   * when a timer callback throws.
   */
  async run<T>(work: () => Promise<T>, options: VirtualRunOptions = {}): Promise<T> {
    if (this.installed) throw new Error("VirtualClock: run() is already active");
    const stallMs = options.stallMs ?? 10_000;
    const real = {
      setTimeout: globalThis.setTimeout,
      clearTimeout: globalThis.clearTimeout,
      setInterval: globalThis.setInterval,
      clearInterval: globalThis.clearInterval,
      setImmediate: globalThis.setImmediate,
    };
    // A timer set before run() (a real one) can still be cleared while run() is active.
    const clear = (t: unknown) => (t instanceof VirtualTimer ? this.clear(t) : real.clearTimeout(t as NodeJS.Timeout));
    const g = globalThis as unknown as Record<string, unknown>;
    g.setTimeout = (cb: Callback, ms?: number, ...args: unknown[]) => this.setTimeout(cb, ms, ...args);
    g.setInterval = (cb: Callback, ms?: number, ...args: unknown[]) => this.setInterval(cb, ms, ...args);
    g.clearTimeout = clear;
    g.clearInterval = clear;
    this.installed = true;
    const settleMicrotasks = () => new Promise<void>((resolve) => real.setImmediate(resolve));
    try {
      let settled = false;
      const running = work();
      running.then(
        () => (settled = true),
        () => (settled = true),
      );
      let idleSince: number | undefined;
      while (!settled) {
        await settleMicrotasks();
        if (settled) break;
        if (this.step()) {
          idleSince = undefined;
          continue;
        }
        idleSince ??= performance.now();
        if (performance.now() - idleSince > stallMs) {
          throw new Error(`VirtualClock: no timer pending for ${stallMs} ms of real time and the work has not finished`);
        }
        await new Promise<void>((resolve) => real.setTimeout(resolve, 1));
      }
      return await running;
    } finally {
      Object.assign(g, {
        setTimeout: real.setTimeout,
        clearTimeout: real.clearTimeout,
        setInterval: real.setInterval,
        clearInterval: real.clearInterval,
      });
      this.installed = false;
    }
  }

  private add(callback: Callback, ms: number | undefined, args: unknown[], repeat: boolean): VirtualTimer {
    if (typeof callback !== "function") throw new TypeError("VirtualClock: callback must be a function");
    // Node's rule: a delay below 1 ms (or not a number) is 1 ms.
    const delay = typeof ms === "number" && ms >= 1 && Number.isFinite(ms) ? ms : 1;
    const timer = new VirtualTimer(this, this.nextId++, delay, callback, args, repeat);
    this.schedule(timer);
    return timer;
  }
}
