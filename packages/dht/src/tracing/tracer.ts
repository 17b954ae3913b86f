/**
 * The core's tracer: spans of a client operation's steps (lookup, each replica call, read
 * repair, quorum reached), recorded only for sampled traces and handed to a sink the embedder
 * provides (a real peer keeps them in a bounded store and may export them over OTLP). No
 * OpenTelemetry types here: a span is a plain record, and its IDs are W3C ones, so an
 * exporter can send them unchanged and the spans of different peers link up.
 *
 * Why only sampled traces: an unsampled operation then costs one `undefined` check per step,
 * nothing allocated; recording every get would add allocations on the hot path of a peer that
 * serves thousands of gets per second, for traces nobody asks for (bench/sections/tracing.ts).
 */
import { performance } from "node:perf_hooks";
import { errorCode } from "../errors.js";
import type { NodeId } from "../types.js";
import { OpenSpans } from "./open-spans.js";
import { newSpanId, type SpanContext } from "./trace-context.js";

export type SpanAttributes = Record<string, string | number | boolean>;

/** client: a call to another peer; server: serving one; internal: a step within this peer. */
export type SpanKind = "internal" | "client" | "server";

/** A span once it has ended: what a sink receives. */
export interface FinishedSpan {
  traceId: string;
  spanId: string;
  /** The parent span's ID; absent for a trace's root. The parent may be on another peer. */
  parentId?: string;
  name: string;
  kind: SpanKind;
  /** The peer that recorded it. */
  peerId: NodeId;
  /** Wall-clock start, ms since the epoch, sub-millisecond. */
  startMs: number;
  durationMs: number;
  attributes: SpanAttributes;
  status: "ok" | "error";
  /** The error code when status is "error" ("unavailable", "deadline_exceeded", …). */
  error?: string;
}

/** Receives finished spans. Must not throw and must not block (it runs on the request path). */
export type SpanSink = (span: FinishedSpan) => void;

/** How a caller asks the transport's tracing interceptor to record one peer call. */
export interface CallTrace {
  parent: SpanContext;
  /** The step's name ("replica read", "read repair"); default: the RPC method. */
  name?: string;
  attributes?: SpanAttributes;
}

/** Wall-clock now with sub-millisecond precision (performance.now() is monotonic within the process). */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export class Span {
  readonly context: SpanContext;
  readonly #parentId: string;
  readonly #startMs = nowMs();
  readonly #attributes: SpanAttributes;
  readonly #tracer: Tracer;
  /** Whether the tracer counts this span as open (OpenSpans is bounded). */
  readonly #counted: boolean;
  #ended = false;

  constructor(
    readonly name: string,
    parent: SpanContext,
    readonly kind: SpanKind,
    attributes: SpanAttributes | undefined,
    tracer: Tracer,
  ) {
    this.#tracer = tracer;
    this.context = { traceId: parent.traceId, spanId: newSpanId(), sampled: true };
    this.#parentId = parent.spanId;
    this.#attributes = { ...attributes };
    this.#counted = tracer.open.started(parent.traceId);
  }

  set(key: string, value: string | number | boolean): this {
    this.#attributes[key] = value;
    return this;
  }

  /** Ends the span, failed when `error` is given. A second call does nothing. */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    const span: FinishedSpan = {
      traceId: this.context.traceId,
      spanId: this.context.spanId,
      name: this.name,
      kind: this.kind,
      peerId: this.#tracer.peerId,
      startMs: this.#startMs,
      durationMs: Math.max(0, nowMs() - this.#startMs),
      attributes: this.#attributes,
      status: error === undefined ? "ok" : "error",
    };
    if (this.#parentId) span.parentId = this.#parentId;
    if (error !== undefined) span.error = errorCode(error);
    this.#tracer.emit(span);
    if (this.#counted) this.#tracer.open.ended(span.traceId);
  }
}

export class Tracer {
  readonly #sink: SpanSink;
  /** Spans started and not yet ended, per trace: GetTrace waits for a trace to settle. */
  readonly open = new OpenSpans();

  constructor(
    readonly peerId: NodeId,
    sink: SpanSink,
  ) {
    this.#sink = sink;
  }

  /** Starts a span under `parent` (a root span when parent.spanId is ""). */
  start(name: string, parent: SpanContext, kind: SpanKind = "internal", attributes?: SpanAttributes): Span {
    return new Span(name, parent, kind, attributes, this);
  }

  /** A zero-length span marking a moment (a quorum reached). */
  mark(name: string, parent: SpanContext, attributes?: SpanAttributes, error?: unknown): void {
    this.start(name, parent, "internal", attributes).end(error);
  }

  emit(span: FinishedSpan): void {
    try {
      this.#sink(span);
    } catch {
      // A sink failing must never fail the operation it observes.
    }
  }
}

/** A span under `parent` when there is a tracer and the trace is sampled; otherwise undefined (nothing recorded). */
export function startSpan(tracer: Tracer | undefined, parent: SpanContext | undefined, name: string, kind: SpanKind = "internal", attributes?: SpanAttributes): Span | undefined {
  if (!tracer || !parent?.sampled) return undefined;
  return tracer.start(name, parent, kind, attributes);
}
