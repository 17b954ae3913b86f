/**
 * The spans this peer recorded, kept for GetTrace a while: at most `maxTraces` traces (the
 * oldest go first), none older than `ttlMs`, at most `maxSpansPerTrace` spans each. Fed from
 * outside (any client can ask for a trace; any peer can send a sampled traceparent), so every
 * bound holds whatever arrives; evictions are counted for /metrics.
 */
import type { FinishedSpan } from "@p2p/dht";

export interface TraceStoreOptions {
  /** Traces kept at most. Default 1000: a few MB at ~30 spans of ~300 bytes each. */
  maxTraces: number;
  /** How long a trace is kept after its first span, ms. Default 10 min: time to look at it. */
  ttlMs: number;
  /** Spans kept per trace; later ones are dropped (a lookup under churn can make hundreds). Default 500. */
  maxSpansPerTrace: number;
}

export const defaultTraceStoreOptions: TraceStoreOptions = { maxTraces: 1000, ttlMs: 600_000, maxSpansPerTrace: 500 };

export type EvictionReason = "count" | "ttl" | "spans";

interface StoredTrace {
  createdMs: number;
  spans: FinishedSpan[];
}

export class TraceStore {
  /** Insertion order is creation order, so the oldest trace is always first. */
  readonly #traces = new Map<string, StoredTrace>();
  readonly #options: TraceStoreOptions;
  readonly #now: () => number;
  readonly #onEvict: (reason: EvictionReason) => void;

  constructor(options: Partial<TraceStoreOptions> = {}, hooks: { now?: () => number; onEvict?: (reason: EvictionReason) => void } = {}) {
    this.#options = { ...defaultTraceStoreOptions, ...options };
    this.#now = hooks.now ?? Date.now;
    this.#onEvict = hooks.onEvict ?? (() => {});
  }

  add(span: FinishedSpan): void {
    const now = this.#now();
    this.#expire(now);
    let trace = this.#traces.get(span.traceId);
    if (!trace) {
      if (this.#options.maxTraces <= 0) return this.#onEvict("count");
      while (this.#traces.size >= this.#options.maxTraces) {
        this.#traces.delete(this.#traces.keys().next().value!);
        this.#onEvict("count");
      }
      trace = { createdMs: now, spans: [] };
      this.#traces.set(span.traceId, trace);
    }
    if (trace.spans.length >= this.#options.maxSpansPerTrace) return this.#onEvict("spans");
    trace.spans.push(span);
  }

  /** The spans of `traceId`, earliest first; empty when unknown or expired. */
  get(traceId: string): FinishedSpan[] {
    this.#expire(this.#now());
    const spans = this.#traces.get(traceId)?.spans ?? [];
    return [...spans].sort((a, b) => a.startMs - b.startMs);
  }

  get size(): number {
    return this.#traces.size;
  }

  #expire(now: number): void {
    for (const [id, trace] of this.#traces) {
      if (now - trace.createdMs < this.#options.ttlMs) return;
      this.#traces.delete(id);
      this.#onEvict("ttl");
    }
  }
}
