/**
 * The iterative lookup engine (Kademlia §2.3), in its continuous form: instead of rounds of α,
 * a new request goes out whenever one of the α slots frees up, so one slow or dead peer costs
 * one slot until its deadline, never the whole lookup.
 *
 * Termination: the lookup ends when the `wanted` closest contacts seen (failed ones skipped)
 * have all answered: nothing unanswered is closer, so no reply can improve the result. It also
 * ends when no candidate is left, or after `maxRequests` requests (a hostile network could
 * otherwise feed it fresh contacts forever).
 */
import { setMaxListeners } from "node:events";
import { DhtError, errorCode } from "../errors.js";
import type { Clock, Contact, DhtRecord, LookupOptions, LookupResult, LookupStep, NodeId } from "../types.js";
import type { Transport } from "../rpc/peer-rpc.js";
import type { LookupEvent, LookupFinishedEvent, LookupListener } from "./lookup-events.js";
import { LookupCandidates, type Candidate } from "./lookup-candidates.js";
import { isNodeId } from "./node-id.js";

export interface LookupConfig {
  /** Requests in flight at once (Kademlia's α). */
  alpha: number;
  /** Deadline of each request, in milliseconds. */
  rpcTimeoutMs: number;
  /** Cap on requests sent by one lookup. */
  maxRequests: number;
  /** Contacts taken from one reply; the rest are ignored (bounds memory per reply). */
  maxContactsPerReply: number;
}

export interface LookupContext {
  self: Contact;
  transport: Transport;
  clock: Clock;
  /** Starting contacts (the closest known ones); their order does not matter. */
  seeds: readonly Contact[];
  /** Contacts that recently failed are queried after healthy ones at similar distance. */
  isSuspect?: (id: NodeId) => boolean;
  /** A peer answered: the caller learns it (it is verified by the transport). */
  onResponse?: (peer: Contact) => void;
  /** A request failed (not when it was abandoned because the lookup had finished). */
  onFailure?: (peer: Contact, error: unknown) => void;
  listener?: LookupListener;
  lookupId?: number;
}

/** An error's code as the snake_case string used in steps, logs and metrics. */
export function errorCodeOf(error: unknown): string {
  return errorCode(error);
}

/**
 * Runs one iterative FindNode (or FindValue when `opts.key` is set) lookup for `target`.
 * A FindValue lookup does not stop at the first record: it collects what each of the `wanted`
 * closest peers holds, which is what a quorum read needs. Never rejects for network errors;
 * rejects with InvalidArgument for a malformed target or `wanted`.
 */
export function iterativeLookup(
  target: NodeId,
  opts: LookupOptions,
  ctx: LookupContext,
  config: LookupConfig,
): Promise<LookupResult> {
  if (!isNodeId(target)) {
    return Promise.reject(new DhtError("lookup: target must be 64 lowercase hex characters", "invalid_argument"));
  }
  if (!Number.isInteger(opts.wanted) || opts.wanted < 1) {
    return Promise.reject(new DhtError("lookup: wanted must be a positive integer", "invalid_argument"));
  }
  return new Promise((resolve) => new LookupRun(target, opts, ctx, config, resolve).start());
}

class LookupRun {
  private readonly startMs: number;
  private readonly candidates: LookupCandidates;
  private readonly steps: LookupStep[] = [];
  private readonly records = new Map<NodeId, DhtRecord | null>();
  private readonly inFlight = new Map<Candidate, { step: LookupStep; timer: NodeJS.Timeout }>();
  /** One signal for the whole lookup: aborting it cancels the requests still out when it ends.
   * Per-request deadlines are the transport's `timeoutMs` (and our own timer, below). */
  private readonly abort = new AbortController();
  /** The operation the lookup serves was canceled: end now with what we have. */
  private readonly onOperationAbort = () => this.finish("canceled");
  private requests = 0;
  /** Transport calls not yet settled (including ones past our own deadline). */
  private outstanding = 0;
  private finished = false;

  constructor(
    private readonly target: NodeId,
    private readonly opts: LookupOptions,
    private readonly ctx: LookupContext,
    private readonly config: LookupConfig,
    private readonly resolve: (r: LookupResult) => void,
  ) {
    this.candidates = new LookupCandidates(target, ctx.self.id, opts.wanted, ctx.isSuspect);
    // Requests that outlive our own deadline keep their listener until the transport's fires.
    setMaxListeners(config.maxRequests + 1, this.abort.signal);
    this.startMs = ctx.clock.now();
  }

  start(): void {
    if (this.opts.countSelf) this.candidates.addSelf(this.ctx.self);
    for (const c of this.ctx.seeds) this.candidates.add(c, undefined, 1);
    if (this.opts.signal?.aborted) return this.finish("canceled");
    this.opts.signal?.addEventListener("abort", this.onOperationAbort, { once: true });
    this.pump();
  }

  private elapsed(): number {
    return this.ctx.clock.now() - this.startMs;
  }

  private emit(event: LookupEvent): void {
    try {
      this.ctx.listener?.(event);
    } catch {
      // A broken listener must not break routing.
    }
  }

  private pump(): void {
    if (this.finished) return;
    if (this.candidates.converged()) return this.finish("converged");
    while (this.inFlight.size < this.config.alpha && this.requests < this.config.maxRequests) {
      const next = this.candidates.next();
      if (!next) break;
      this.send(next);
    }
    if (this.inFlight.size === 0) this.finish(this.requests >= this.config.maxRequests ? "request-cap" : "exhausted");
  }

  private send(cand: Candidate): void {
    cand.state = "pending";
    this.requests++;
    const method = this.opts.key === undefined ? "findNode" : "findValue";
    const step: LookupStep = {
      peer: cand.contact,
      sentAtMs: this.elapsed(),
      durationMs: 0,
      ok: false,
      closerContacts: 0,
      hadRecord: false,
      ...(cand.via === undefined ? {} : { via: cand.via }),
    };
    this.steps.push(step);
    // Our own deadline as well as the transport's: a transport that never settles must not
    // hold a slot forever.
    const timer = setTimeout(() => {
      this.onFailed(cand, new DhtError(`lookup request to ${cand.contact.id.slice(0, 8)} timed out`, "deadline_exceeded"));
    }, this.config.rpcTimeoutMs);
    this.inFlight.set(cand, { step, timer });
    this.emit({
      type: "query-sent",
      lookupId: this.ctx.lookupId ?? 0,
      target: this.target,
      atMs: step.sentAtMs,
      peer: cand.contact,
      method,
      ...(cand.via === undefined ? {} : { via: cand.via }),
    });
    const callOpts = this.opts.trace
      ? { timeoutMs: this.config.rpcTimeoutMs, signal: this.abort.signal, trace: this.opts.trace }
      : { timeoutMs: this.config.rpcTimeoutMs, signal: this.abort.signal };
    let call: Promise<{ contacts: Contact[]; record?: DhtRecord | undefined }>;
    try {
      call =
        this.opts.key === undefined
          ? this.ctx.transport.findNode(cand.contact, this.target, callOpts).then((contacts) => ({ contacts }))
          : this.ctx.transport.findValue(cand.contact, this.opts.key, callOpts);
    } catch (err) {
      call = Promise.reject(err);
    }
    this.outstanding++;
    call.then(
      (reply) => {
        this.outstanding--;
        this.onReplied(cand, reply);
      },
      (err: unknown) => {
        this.outstanding--;
        this.onFailed(cand, err);
      },
    );
  }

  /** Removes a settled request from the in-flight set; false if it was already settled. */
  private settle(cand: Candidate): LookupStep | undefined {
    const flight = this.inFlight.get(cand);
    if (!flight || this.finished) return undefined;
    clearTimeout(flight.timer);
    this.inFlight.delete(cand);
    flight.step.durationMs = this.elapsed() - flight.step.sentAtMs;
    return flight.step;
  }

  private onReplied(cand: Candidate, reply: { contacts: Contact[]; record?: DhtRecord | undefined }): void {
    const step = this.settle(cand);
    if (!step) return;
    cand.state = "ok";
    step.ok = true;
    const best = this.candidates.closestDistance();
    const contacts = Array.isArray(reply?.contacts) ? reply.contacts.slice(0, this.config.maxContactsPerReply) : [];
    for (const c of contacts) {
      const added = this.candidates.add(c, cand.contact.id, cand.depth + 1);
      if (added && (best === undefined || added.distance < best)) step.closerContacts++;
    }
    if (this.opts.key !== undefined) {
      step.hadRecord = reply.record !== undefined;
      this.records.set(cand.contact.id, reply.record ?? null);
    }
    this.ctx.onResponse?.(cand.contact);
    this.emit({
      type: "peer-responded",
      lookupId: this.ctx.lookupId ?? 0,
      target: this.target,
      atMs: this.elapsed(),
      peer: cand.contact,
      durationMs: step.durationMs,
      closerContacts: step.closerContacts,
      hadRecord: step.hadRecord,
    });
    this.pump();
  }

  private onFailed(cand: Candidate, err: unknown): void {
    const step = this.settle(cand);
    if (!step) return;
    cand.state = "failed";
    step.error = errorCodeOf(err);
    this.ctx.onFailure?.(cand.contact, err);
    this.emit({
      type: "peer-failed",
      lookupId: this.ctx.lookupId ?? 0,
      target: this.target,
      atMs: this.elapsed(),
      peer: cand.contact,
      durationMs: step.durationMs,
      error: step.error,
    });
    this.pump();
  }

  private finish(reason: LookupFinishedEvent["reason"]): void {
    if (this.finished) return;
    this.opts.signal?.removeEventListener("abort", this.onOperationAbort);
    // Requests still in flight are farther than the result: abandon them.
    for (const [cand, flight] of [...this.inFlight]) {
      this.settle(cand);
      flight.step.error = "canceled";
      this.emit({
        type: "peer-failed",
        lookupId: this.ctx.lookupId ?? 0,
        target: this.target,
        atMs: this.elapsed(),
        peer: cand.contact,
        durationMs: flight.step.durationMs,
        error: "canceled",
      });
    }
    this.finished = true;
    if (this.outstanding > 0) {
      this.abort.abort(new DhtError("lookup finished", "canceled"));
    }
    const answered = this.candidates.answered();
    const hops = answered.reduce((m, c) => Math.max(m, c.depth), 0);
    const totalMs = this.elapsed();
    const result: LookupResult = {
      target: this.target,
      closest: answered.slice(0, this.opts.wanted).map((c) => c.contact),
      unanswered: this.candidates.unanswered(this.opts.wanted).map((c) => c.contact),
      records: this.records,
      steps: this.steps,
      totalMs,
      hops,
    };
    this.emit({
      type: "lookup-finished",
      lookupId: this.ctx.lookupId ?? 0,
      target: this.target,
      atMs: totalMs,
      totalMs,
      queried: this.requests,
      responded: answered.length,
      failed: this.steps.filter((s) => !s.ok && s.error !== "canceled").length,
      hops,
      closest: result.closest.length,
      reason,
    });
    this.resolve(result);
  }
}
