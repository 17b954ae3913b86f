/**
 * The trace of one client request (Connect Put/Get/Delete, REST routes, file transfers): its
 * W3C trace ID — the caller's from a valid `traceparent`, else a fresh one (a malformed header
 * is ignored, as the spec asks) — and, when the trace is recorded, the request's server span
 * under which the DHT core records the operation's steps.
 *
 * Recorded when the client asks (`trace`) or its traceparent is sampled; otherwise the request
 * gets only its ID (response headers), and nothing is allocated per step (see dht tracing/).
 */
import { newSpanId, newTraceId, parseTraceparent, type Span, type SpanAttributes, type SpanContext, type Tracer } from "@p2p/dht";

export const TRACEPARENT = "traceparent";
export const TRACE_ID_HEADER = "x-trace-id";

export interface RequestTrace {
  traceId: string;
  sampled: boolean;
  /** What the operation records under (OperationOptions.traceParent). */
  parent: SpanContext;
  /** Response headers: traceparent (this request's span) and x-trace-id. */
  headers: Record<string, string>;
  /** Ends the request's span (failed when `error` is given); nothing when not recorded. */
  end(error?: unknown): void;
  set(key: string, value: string | number | boolean): void;
}

export function beginRequestTrace(tracer: Tracer | undefined, traceparent: string | null | undefined, asked: boolean, name: string, attributes?: SpanAttributes): RequestTrace {
  const incoming = parseTraceparent(traceparent);
  const traceId = incoming?.traceId ?? newTraceId();
  const sampled = !!tracer && (asked || incoming?.sampled === true);
  const root: SpanContext = { traceId, spanId: incoming?.spanId ?? "", sampled };
  const span: Span | undefined = sampled ? tracer!.start(name, root, "server", attributes) : undefined;
  const parent = span?.context ?? root;
  return {
    traceId,
    sampled,
    parent,
    headers: { [TRACEPARENT]: `00-${traceId}-${span?.context.spanId ?? newSpanId()}-${sampled ? "01" : "00"}`, [TRACE_ID_HEADER]: traceId },
    end: (error) => span?.end(error),
    set: (key, value) => void span?.set(key, value),
  };
}

/** Runs `work` as the traced request: its span ends with the outcome. */
export async function traced<T>(trace: RequestTrace, work: () => Promise<T>): Promise<T> {
  try {
    const result = await work();
    trace.end();
    return result;
  } catch (error) {
    trace.end(error);
    throw error;
  }
}
