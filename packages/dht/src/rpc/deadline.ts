/**
 * Deadlines and cancellation, for one peer call and for one client operation. Every remote
 * call has a deadline enforced here as well as by the transport, so a transport that ignores
 * its `timeoutMs` cannot hang a quorum; and the signal of the client's request reaches every
 * peer call its operation makes, so a client that goes away (or whose own deadline passes)
 * stops the work done for it.
 */
import { DhtError } from "../errors.js";
import type { ClientInterceptor } from "./interceptor.js";
import { PEER_METHOD_NAMES } from "./peer-rpc.js";
import type { SpanContext } from "../tracing/trace-context.js";

/** Aborting with an error instead of no reason spares building a DOMException per abort. */
function reasonOf(signal: AbortSignal, what: string | (() => string)): DhtError {
  const r: unknown = signal.reason;
  return r instanceof DhtError ? r : DhtError.canceled(`${nameOf(what)}: canceled`, r);
}

/** A name built only when an error needs it: every peer call has one, few calls fail. */
function nameOf(what: string | (() => string)): string {
  return typeof what === "string" ? what : what();
}

/**
 * Runs `work` with a signal that aborts after `timeoutMs` or when `parent` aborts, whichever
 * comes first; the promise then rejects at once with `timeoutError()` (DEADLINE_EXCEEDED) or
 * the parent's reason (CANCELED unless it is a DhtError), whatever `work` does afterwards.
 */
export function withDeadline<T>(
  work: (signal: AbortSignal) => Promise<T>,
  opts: { timeoutMs: number; signal?: AbortSignal | undefined; what: string | (() => string); timeoutError?: () => DhtError },
): Promise<T> {
  const { timeoutMs, signal: parent, what } = opts;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    return Promise.reject(DhtError.invalidArgument(`${nameOf(what)}: timeoutMs must be a positive number, got ${timeoutMs}`));
  }
  if (parent?.aborted) return Promise.reject(reasonOf(parent, what));
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      parent?.removeEventListener("abort", onAbort);
      settle();
    };
    const fail = (error: DhtError) => {
      controller.abort(error);
      finish(() => reject(error));
    };
    const onAbort = () => fail(reasonOf(parent!, what));
    const timer = setTimeout(() => fail(opts.timeoutError?.() ?? DhtError.deadlineExceeded(`${nameOf(what)}: no answer within ${timeoutMs} ms`)), timeoutMs);
    parent?.addEventListener("abort", onAbort, { once: true });
    let running: Promise<T>;
    try {
      running = work(controller.signal);
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      (value) => finish(() => resolve(value)),
      (err: unknown) => finish(() => reject(err)),
    );
  });
}

/**
 * Every outgoing call ends by its `timeoutMs` and when its `signal` (the operation's) aborts:
 * the transport gets a signal that fires in both cases.
 */
export const deadlineInterceptor: ClientInterceptor = (next) => (call) =>
  withDeadline((signal) => next({ ...call, signal } as typeof call), {
    timeoutMs: call.timeoutMs,
    signal: call.signal,
    what: () => `${PEER_METHOD_NAMES[call.method]} to ${call.peer.id.slice(0, 8)}`,
  });

/**
 * One client operation's deadline and cancellation: its signal aborts when the client's does or
 * when `timeoutMs` passes, and every peer call of the operation carries it. `close()` detaches
 * the scope once the operation has answered, so the work that rightly goes on after the answer
 * (writes beyond the quorum, read repairs) is not cut when the client's request ends.
 */
export class OperationScope {
  readonly #controller = new AbortController();
  readonly #parent: AbortSignal | undefined;
  readonly #timer: NodeJS.Timeout;
  readonly #onParentAbort = () => this.#abort(reasonOf(this.#parent!, this.what));
  /** The operation's span when its trace is sampled: its steps are recorded under it. */
  trace: SpanContext | undefined;

  /**
   * @param what names the operation in errors ("put", "get").
   * @param timeoutMs the whole operation's deadline (DEADLINE_EXCEEDED naming it).
   * @param parent the client's signal (its request ended or its own deadline passed: CANCELED).
   */
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    parent?: AbortSignal,
  ) {
    this.#parent = parent;
    this.#timer = setTimeout(
      () => this.#abort(DhtError.deadlineExceeded(`${what}: no answer within the request deadline of ${timeoutMs} ms`)),
      timeoutMs,
    );
    if (parent?.aborted) this.#abort(reasonOf(parent, what));
    else parent?.addEventListener("abort", this.#onParentAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Throws the reason (DEADLINE_EXCEEDED or CANCELED) once the scope has aborted. */
  throwIfAborted(): void {
    if (this.aborted) throw this.#controller.signal.reason as DhtError;
  }

  /** `work`, or the abort reason as soon as the scope aborts first. */
  run<T>(work: Promise<T>): Promise<T> {
    if (this.aborted) {
      work.catch(() => {});
      return Promise.reject(this.#controller.signal.reason as DhtError);
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.#controller.signal.reason as DhtError);
      this.signal.addEventListener("abort", onAbort, { once: true });
      work.then(
        (v) => {
          this.signal.removeEventListener("abort", onAbort);
          resolve(v);
        },
        (e: unknown) => {
          this.signal.removeEventListener("abort", onAbort);
          reject(e);
        },
      );
    });
  }

  /** The operation has answered: stop the deadline and stop listening to the client. */
  close(): void {
    clearTimeout(this.#timer);
    this.#parent?.removeEventListener("abort", this.#onParentAbort);
  }

  #abort(reason: DhtError): void {
    clearTimeout(this.#timer);
    this.#parent?.removeEventListener("abort", this.#onParentAbort);
    this.#controller.abort(reason);
  }
}
