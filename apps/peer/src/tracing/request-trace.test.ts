import { test } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { Tracer, type FinishedSpan } from "@p2p/dht";
import { ConfigError, loadPeerConfig } from "../config/load-peer-config.js";
import { beginRequestTrace, traced } from "./request-trace.js";
import { tracesUrl } from "./otlp-export.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";

function tracer(): { tracer: Tracer; spans: FinishedSpan[] } {
  const spans: FinishedSpan[] = [];
  return { tracer: new Tracer("p".repeat(64), (s) => spans.push(s)), spans };
}

test("an untraced request gets a fresh ID and response headers, and records nothing", async () => {
  const { tracer: t, spans } = tracer();
  const trace = beginRequestTrace(t, undefined, false, "NodeService/Get");
  assert.match(trace.traceId, /^[0-9a-f]{32}$/);
  assert.equal(trace.sampled, false);
  assert.equal(trace.parent.sampled, false);
  assert.equal(trace.headers["x-trace-id"], trace.traceId);
  assert.match(trace.headers["traceparent"]!, new RegExp(`^00-${trace.traceId}-[0-9a-f]{16}-00$`));
  await traced(trace, async () => 1);
  assert.equal(spans.length, 0);
});

test("a valid incoming traceparent keeps its trace ID; sampled, it is recorded under the caller's span", async () => {
  const { tracer: t, spans } = tracer();
  const trace = beginRequestTrace(t, `00-${TRACE}-${PARENT}-01`, false, "NodeService/Get");
  assert.equal(trace.traceId, TRACE);
  assert.equal(trace.sampled, true);
  await assert.rejects(traced(trace, async () => { throw Object.assign(new Error("x"), { code: "unavailable" }); }));
  assert.equal(spans.length, 1);
  assert.equal(spans[0]!.parentId, PARENT);
  assert.equal(spans[0]!.status, "error");
  assert.equal(trace.parent.spanId, spans[0]!.spanId, "the operation records under the request's span");
  assert.match(trace.headers["traceparent"]!, new RegExp(`^00-${TRACE}-${spans[0]!.spanId}-01$`));
});

test("an unsampled traceparent keeps its ID but is recorded only when asked", () => {
  const { tracer: t } = tracer();
  assert.equal(beginRequestTrace(t, `00-${TRACE}-${PARENT}-00`, false, "x").sampled, false);
  const asked = beginRequestTrace(t, `00-${TRACE}-${PARENT}-00`, true, "x");
  assert.equal(asked.sampled, true);
  assert.equal(asked.traceId, TRACE);
});

test("a malformed traceparent is ignored: a fresh trace ID", () => {
  for (const bad of ["garbage", `00-${TRACE.toUpperCase()}-${PARENT}-01`, `00-${"0".repeat(32)}-${PARENT}-01`]) {
    const trace = beginRequestTrace(undefined, bad, true, "x");
    assert.notEqual(trace.traceId, TRACE.toUpperCase());
    assert.notEqual(trace.traceId, "0".repeat(32));
    assert.match(trace.traceId, /^[0-9a-f]{32}$/);
    assert.equal(trace.sampled, false, "no tracer: nothing recorded");
  }
});

test("OTLP traces URL: /v1/traces appended once", () => {
  assert.equal(tracesUrl("http://127.0.0.1:4318"), "http://127.0.0.1:4318/v1/traces");
  assert.equal(tracesUrl("http://c:4318/otlp/"), "http://c:4318/otlp/v1/traces");
  assert.equal(tracesUrl("https://c/v1/traces"), "https://c/v1/traces");
});

test("--otlp-endpoint must be an http(s) URL", () => {
  const opts = { cwd: tmpdir(), networkInterfaces: () => ({}) };
  const ok = loadPeerConfig(["--otlp-endpoint", "http://127.0.0.1:4318"], {}, opts);
  assert.ok("config" in ok && ok.config.otlpEndpoint === "http://127.0.0.1:4318");
  assert.ok("config" in ok && ok.config.traceMaxTraces === 1000 && ok.config.traceTtlMs === 600_000);
  for (const bad of ["ftp://x", "127.0.0.1:4318", "not a url"]) {
    assert.throws(() => loadPeerConfig(["--otlp-endpoint", bad], {}, opts), (e: unknown) => e instanceof ConfigError && /otlp/i.test(e.message));
  }
});
