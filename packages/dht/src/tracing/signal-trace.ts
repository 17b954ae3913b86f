/**
 * A trace carried by an operation's AbortSignal. File transfers take a signal through many
 * layers (upload → placement → each chunk's store, download → each chunk's fetch); rather than
 * a second parameter through all of them, the caller ties its sampled trace to the signal it
 * already passes, and the one place that builds call options (file-context.ts) picks it up, so
 * every chunk transfer becomes a client span. Weakly held: gone with the signal.
 */
import type { SpanContext } from "./trace-context.js";

const traces = new WeakMap<AbortSignal, SpanContext>();

/** Records the calls made under `signal` as spans of `trace` (when sampled). */
export function traceSignal(signal: AbortSignal, trace: SpanContext): void {
  if (trace.sampled) traces.set(signal, trace);
}

export function traceOfSignal(signal: AbortSignal | undefined): SpanContext | undefined {
  return signal && traces.get(signal);
}
