/**
 * This peer's tracing, wired: spans of sampled traces go to the bounded store (GetTrace) and,
 * with `--otlp-endpoint`, to the OTLP exporter; evictions and export drops are counted in
 * /metrics.
 */
import { Counter, type Registry } from "prom-client";
import { Tracer, type FinishedSpan, type SpanSink } from "@p2p/dht";
import { createOtlpExport, type OtlpSpanExport } from "./otlp-export.js";
import { TraceStore, type TraceStoreOptions } from "./trace-store.js";

export interface PeerTracingOptions {
  peerId: string;
  httpAddress: () => string;
  softwareVersion: string;
  store?: Partial<TraceStoreOptions>;
  otlpEndpoint?: string | undefined;
  registry?: Registry;
}

export class PeerTracing {
  readonly store: TraceStore;
  /** The peer's one tracer: the API's request spans and the node's (so GetTrace can wait for a trace's open spans). */
  readonly tracer: Tracer;
  readonly #export: OtlpSpanExport | undefined;

  private constructor(store: TraceStore, peerId: string, exporter: OtlpSpanExport | undefined) {
    this.store = store;
    this.#export = exporter;
    const sink: SpanSink = exporter
      ? (span: FinishedSpan) => {
          store.add(span);
          exporter.export(span);
        }
      : (span: FinishedSpan) => store.add(span);
    this.tracer = new Tracer(peerId, sink);
  }

  static async create(o: PeerTracingOptions): Promise<PeerTracing> {
    const evictions = new Counter({
      name: "p2p_trace_evictions_total",
      help: "Traces (or spans, reason=spans) dropped from the GetTrace store: by count, by age (ttl), or over the per-trace span limit",
      labelNames: ["reason"] as const,
      registers: o.registry ? [o.registry] : [],
    });
    for (const reason of ["count", "ttl", "spans"] as const) evictions.inc({ reason }, 0); // shown at 0 from the start
    const store = new TraceStore(o.store, { onEvict: (reason) => evictions.inc({ reason }) });
    const exporter = o.otlpEndpoint
      ? await createOtlpExport({ endpoint: o.otlpEndpoint, peerId: o.peerId, httpAddress: o.httpAddress(), softwareVersion: o.softwareVersion })
      : undefined;
    return new PeerTracing(store, o.peerId, exporter);
  }

  spans(traceId: string): FinishedSpan[] {
    return this.store.get(traceId);
  }

  /** Resolves once no span of the trace is open on this peer, within `timeoutMs` (OpenSpans.settled). */
  settled(traceId: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.tracer.open.settled(traceId, timeoutMs, signal);
  }

  /** Flushes the exporter's queue, bounded in time. */
  async stop(): Promise<void> {
    await this.#export?.shutdown(1000);
  }
}
