/**
 * The original system's REST routes (POST /store_data, GET /get_data/<key>) so its users'
 * commands keep working, plus /metrics and /healthz. Served as the Connect adapter's fallback,
 * on the same port as NodeService.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { toJson } from "@bufbuild/protobuf";
import { VersionSchema } from "@p2p/proto/types";
import type { ApiContext } from "./api-context.js";
import { versionMsg } from "./proto-mapping.js";
import { DhtError } from "@p2p/dht";
import { httpStatusOf, ownedConflictSeq } from "../edge-errors.js";
import { entriesOf, parseEntries, parseKeys, restReadOutcome, restWriteOutcome } from "./node-service-batch.js";
import { beginRequestTrace, traced, TRACEPARENT, type RequestTrace } from "../tracing/request-trace.js";

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

/** Extra routes mounted beside the built-in ones (file transfer lives in its own module). */
export type RestRoute = (req: Req, res: Res, url: URL) => Promise<boolean> | boolean;

export function sendJson(res: Res, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  (res as ServerResponse).writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Answers an error as `{"error": message, "code": "invalid_argument"}` with a matching status. */
export function sendError(res: Res, err: unknown): void {
  const { status, error: e, code } = httpStatusOf(err);
  sendJson(res, status, { error: e.code === Code.Internal || status === 500 ? "internal error" : e.rawMessage, code, ...ownedConflictSeq(err) });
}

/**
 * Reads a request body up to `limit` bytes; larger bodies are refused with ResourceExhausted
 * as soon as the limit is crossed, without buffering the rest.
 */
export function readBody(req: Req, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      reject(new ConnectError(`request body: ${declared} bytes exceeds the limit of ${limit} bytes`, Code.ResourceExhausted));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new ConnectError(`request body: more than the limit of ${limit} bytes`, Code.ResourceExhausted));
        req.removeAllListeners("data");
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch (err) {
    throw new ConnectError(`body: malformed JSON (${(err as Error).message})`, Code.InvalidArgument);
  }
}

function parseStoreBody(body: unknown): { key: string; value: string } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ConnectError("body: expected a JSON object with key and value", Code.InvalidArgument);
  const { key, value } = body as Record<string, unknown>;
  if (typeof key !== "string") throw new ConnectError(`key: expected a string, got ${key === undefined ? "nothing" : typeof key}`, Code.InvalidArgument);
  if (typeof value !== "string") throw new ConnectError(`value: expected a string, got ${value === undefined ? "nothing" : typeof value}`, Code.InvalidArgument);
  return { key, value };
}

/** Values back to text exactly as stored: ignoreBOM keeps a leading U+FEFF. */
const valueText = new TextDecoder("utf-8", { ignoreBOM: true });

/** Aborts when the client closes the request before its answer is sent: the operation stops with it. */
export function requestSignal(res: Res): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort(DhtError.canceled("the client closed the request"));
  });
  return controller.signal;
}

/**
 * The request's trace (`?trace=1` records it, as does a sampled traceparent); its IDs go in
 * the response headers whatever the outcome.
 */
export function restTrace(ctx: ApiContext, req: Req, res: Res, url: URL, name: string): RequestTrace {
  const header = req.headers[TRACEPARENT];
  const asked = url.searchParams.has("trace") && url.searchParams.get("trace") !== "0";
  const trace = beginRequestTrace(ctx.tracing.tracer, typeof header === "string" ? header : undefined, asked, name);
  for (const [k, v] of Object.entries(trace.headers)) res.setHeader(k, v);
  return trace;
}

/** Creates the REST handler; `extra` routes are tried before the built-in 404. */
export function restRoutes(ctx: ApiContext, extra: RestRoute[] = []) {
  return async function handle(req: Req, res: Res): Promise<void> {
    const url = new URL(req.url ?? "/", "http://peer.invalid");
    const path = url.pathname;
    const method = req.method ?? "GET";
    try {
      if (path === "/store_data") {
        if (method !== "POST") return sendJson(res, 405, { error: "use POST /store_data", code: "invalid_argument" }, { allow: "POST" });
        // JSON escapes can make a value up to 6x longer than its UTF-8 bytes; the value's own
        // size is checked against the limit after parsing.
        const trace = restTrace(ctx, req, res, url, "POST /store_data");
        const raw = await readBody(req, ctx.node.coordinator.options.maxValueBytes * 6 + 64 * 1024);
        const body = parseJson(raw);
        // An array stores many keys at once (PutMany): one result per item, in order.
        if (Array.isArray(body)) {
          const outcomes = await ctx.node.putMany(entriesOf(parseEntries(body)), { signal: requestSignal(res) });
          const failed = outcomes.filter((o) => o.error).length;
          return sendJson(res, 200, { message: failed ? `${outcomes.length - failed} stored, ${failed} failed` : "stored", stored: outcomes.length - failed, failed, results: outcomes.map(restWriteOutcome) });
        }
        const { key, value } = parseStoreBody(body);
        trace.set("key", key);
        const w = await traced(trace, () => ctx.node.put(key, new TextEncoder().encode(value), { signal: requestSignal(res), traceParent: trace.parent }));
        return sendJson(res, 200, {
          ...(trace.sampled ? { trace_id: trace.traceId } : {}),
          message: "stored",
          key: w.key,
          position: w.position,
          version: toJson(VersionSchema, versionMsg(w.version)),
          replicas: w.replicas.map((c) => c.id),
          acknowledgedBy: w.acknowledgedBy,
        });
      }
      // Many keys at once (GetMany): a JSON array of keys in, one result per key out.
      if (path === "/get_data" && method === "POST") {
        const keys = parseKeys(parseJson(await readBody(req, 4 * 1024 * 1024)));
        const outcomes = await ctx.node.getMany(keys, { signal: requestSignal(res) });
        const found = outcomes.filter((o) => o.record).length;
        return sendJson(res, 200, { found, missing: outcomes.filter((o) => o.error?.code === "not_found").length, results: outcomes.map(restReadOutcome) });
      }
      if (path.startsWith("/get_data/")) {
        if (method !== "GET" && method !== "HEAD") return sendJson(res, 405, { error: "use GET /get_data/<key>", code: "invalid_argument" }, { allow: "GET" });
        let key: string;
        try {
          key = decodeURIComponent(path.slice("/get_data/".length));
        } catch {
          throw new ConnectError("key: malformed percent-encoding in the URL", Code.InvalidArgument);
        }
        const trace = restTrace(ctx, req, res, url, "GET /get_data");
        trace.set("key", key);
        const r = await traced(trace, () => ctx.node.get(key, { signal: requestSignal(res), traceParent: trace.parent }));
        return sendJson(res, 200, { ...(trace.sampled ? { trace_id: trace.traceId } : {}), key: r.key, value: valueText.decode(r.record.value), version: toJson(VersionSchema, versionMsg(r.record.version)) });
      }
      if (path === "/metrics" && method === "GET") {
        const m = await ctx.metrics.render();
        (res as ServerResponse).writeHead(200, { "content-type": m.contentType });
        res.end(m.body);
        return;
      }
      if (path === "/healthz" && method === "GET") {
        const node = ctx.node;
        return sendJson(res, node.left ? 503 : 200, { status: node.left ? "left" : "ok", id: ctx.self.id, contacts: node.kademlia.routingTable.size });
      }
      // Readiness for orchestrators that cannot speak TLS to the gRPC port (Kubernetes' gRPC
      // probes are plaintext): 503 until the peer has joined, and again once it stops or leaves.
      if (path === "/readyz" && method === "GET") {
        const ready = ctx.serving && !ctx.node.left;
        return sendJson(res, ready ? 200 : 503, { status: ready ? "serving" : "not_serving", id: ctx.self.id });
      }
      for (const route of extra) if (await route(req, res, url)) return;
      sendJson(res, 404, { error: `no route for ${method} ${path}`, code: "not_found" });
    } catch (err) {
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    }
  };
}
