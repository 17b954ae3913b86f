/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` header that
 * carries a trace ID and the caller's span ID across HTTP requests and peer-to-peer calls, so
 * that every peer's spans of one client operation join into one trace (ours, and in
 * Jaeger/Tempo through OTLP, which uses the same IDs).
 */
import { randomFillSync } from "node:crypto";

/** Where a span sits: its trace, its own ID, and whether the trace is being recorded. */
export interface SpanContext {
  /** 32 lowercase hex characters, never all zeros. */
  traceId: string;
  /** 16 lowercase hex characters; "" for a trace's root (no parent span yet). */
  spanId: string;
  /** The trace's `sampled` flag: only sampled traces are recorded and propagated. */
  sampled: boolean;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const HEX2 = /^[0-9a-f]{2}$/;
const ZERO32 = "0".repeat(32);
const ZERO16 = "0".repeat(16);

/**
 * Parses a `traceparent` header; undefined when it is absent or malformed (the caller then
 * starts a fresh trace, as the spec says a receiver must). Version 00 must be exactly four
 * fields; a later version may append fields (forward compatibility, spec §3.2.4); version ff
 * is invalid; IDs of all zeros are invalid; hex must be lowercase.
 */
export function parseTraceparent(header: string | null | undefined): SpanContext | undefined {
  if (typeof header !== "string" || header.length < 55 || header.length > 512) return undefined;
  const parts = header.trim().split("-");
  if (parts.length < 4) return undefined;
  const [version, traceId, spanId, flags] = parts as [string, string, string, string];
  if (!HEX2.test(version) || version === "ff") return undefined;
  if (version === "00" && parts.length !== 4) return undefined;
  if (!HEX32.test(traceId) || traceId === ZERO32) return undefined;
  if (!HEX16.test(spanId) || spanId === ZERO16) return undefined;
  if (!HEX2.test(flags)) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/** The `traceparent` header for `ctx` (version 00). A root context gets a fresh span ID. */
export function formatTraceparent(ctx: SpanContext): string {
  return `00-${ctx.traceId}-${ctx.spanId || newSpanId()}-${ctx.sampled ? "01" : "00"}`;
}

export function isTraceId(value: string): boolean {
  return HEX32.test(value) && value !== ZERO32;
}

/**
 * Random bytes drawn from a pool refilled 4 KiB at a time: every client request gets a trace
 * ID whether traced or not, and one system call per 170 IDs keeps that off the get path.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString("hex", poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/** A random 128-bit trace ID (never all zeros). */
export function newTraceId(): string {
  const id = randomHex(16);
  return id === "0".repeat(32) ? newTraceId() : id;
}

/** A random 64-bit span ID (never all zeros). */
export function newSpanId(): string {
  const id = randomHex(8);
  return id === "0".repeat(16) ? newSpanId() : id;
}
