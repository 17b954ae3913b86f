/**
 * OTLP/HTTP export of this peer's spans (`--otlp-endpoint`), so a trace can be seen in
 * Jaeger or Tempo. The OpenTelemetry modules are loaded only when an endpoint is set: an idle
 * peer without one never pays for them. Our spans keep their own trace and span IDs (W3C, as
 * the collector expects), so the coordinator's client span and the replica's server span,
 * exported by two peers, join in one trace there as they do in GetTrace.
 *
 * Never blocks or fails the peer: spans go through the SDK's BatchSpanProcessor, whose queue
 * is bounded (spans beyond it are dropped and counted) and whose exports run in the
 * background with a deadline; a collector that is down only loses spans.
 */
import type { Attributes, HrTime } from "@opentelemetry/api";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { Resource } from "@opentelemetry/resources";
import type { FinishedSpan } from "@p2p/dht";

export interface OtlpExporterOptions {
  /** Collector base URL (OTEL_EXPORTER_OTLP_ENDPOINT style); `/v1/traces` is appended unless present. */
  endpoint: string;
  peerId: string;
  httpAddress: string;
  softwareVersion: string;
  /** Spans waiting for export at most; more are dropped. Default 2048. */
  maxQueueSize?: number;
  onDropped?: (count: number) => void;
}

export interface OtlpSpanExport {
  export(span: FinishedSpan): void;
  /** Sends what is queued, waiting at most `timeoutMs`, then stops. */
  shutdown(timeoutMs?: number): Promise<void>;
}

/** SpanKind and SpanStatusCode of @opentelemetry/api, without loading it for two enums. */
const KIND = { internal: 0, server: 1, client: 2 } as const;
const STATUS = { ok: 1, error: 2 } as const;

export function tracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (!url.pathname.endsWith("/v1/traces")) url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/traces`;
  return url.toString();
}

function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

export async function createOtlpExport(o: OtlpExporterOptions): Promise<OtlpSpanExport> {
  const [{ BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, semconv] = await Promise.all([
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/semantic-conventions"),
  ]);
  const resource: Resource = resourceFromAttributes({
    [semconv.ATTR_SERVICE_NAME]: "p2p-peer",
    [semconv.ATTR_SERVICE_VERSION]: o.softwareVersion,
    "service.instance.id": o.peerId,
    "p2p.peer.http": o.httpAddress,
  });
  const exporter = new OTLPTraceExporter({ url: tracesUrl(o.endpoint), timeoutMillis: 5000 });
  const processor: SpanProcessor = new BatchSpanProcessor(exporter, {
    maxQueueSize: o.maxQueueSize ?? 2048,
    maxExportBatchSize: 512,
    scheduledDelayMillis: 500,
    exportTimeoutMillis: 5000,
  });
  const scope = { name: "@p2p/dht", version: o.softwareVersion };
  return {
    export(span) {
      const attributes: Attributes = { ...span.attributes, "p2p.peer.id": span.peerId };
      if (span.error) attributes["error.type"] = span.error;
      const readable: ReadableSpan = {
        name: span.name,
        kind: KIND[span.kind],
        spanContext: () => ({ traceId: span.traceId, spanId: span.spanId, traceFlags: 1 }),
        ...(span.parentId ? { parentSpanContext: { traceId: span.traceId, spanId: span.parentId, traceFlags: 1, isRemote: span.kind === "server" } } : {}),
        startTime: hrTime(span.startMs),
        endTime: hrTime(span.startMs + span.durationMs),
        duration: hrTime(span.durationMs),
        status: span.status === "ok" ? { code: STATUS.ok } : { code: STATUS.error, message: span.error ?? "error" },
        attributes,
        links: [],
        events: [],
        ended: true,
        resource,
        instrumentationScope: scope,
        droppedAttributesCount: 0,
        droppedEventsCount: 0,
        droppedLinksCount: 0,
      };
      processor.onEnd(readable);
    },
    async shutdown(timeoutMs = 1000) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([processor.shutdown().catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    },
  };
}
