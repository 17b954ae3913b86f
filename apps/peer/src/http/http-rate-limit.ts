/**
 * The public HTTP port's request rate limit: every request from one client (its IP address,
 * an IPv6 client by its /64) takes a token from that client's bucket (rate-limit/). The check
 * runs once per request where the server first sees it (http-server.ts), before any route, so
 * REST, file transfer, Connect, gRPC and gRPC-Web calls all draw from the same bucket. A refused
 * request is answered by whoever would have served it, in its own protocol:
 * - REST routes (the Connect adapter's fallback): HTTP 429 with `Retry-After` (whole seconds)
 *   and the usual `{"error", "code"}` body, before the body is read.
 * - Connect, gRPC and gRPC-Web (NodeService, AdminService): `rateLimitInterceptor` raises
 *   RESOURCE_EXHAUSTED with a `retry-after` header, which the Connect protocol sends as HTTP 429
 *   (gRPC as grpc-status 8 with the header in the trailers). Connect has already read and
 *   decoded a unary request's body by then (its interceptors run after that); what the limit
 *   protects is the node (every Put and Get is a lookup and a quorum round over the network),
 *   and the body is bounded by readMaxBytes and the connection guard anyway.
 */
import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import { Code, ConnectError, createContextKey, type ContextValues, type Interceptor } from "@connectrpc/connect";
import { clientKeyOf } from "../rate-limit/client-key.js";
import type { KeyedTokenBuckets, RateBucket } from "../rate-limit/keyed-token-buckets.js";

type Req = IncomingMessage | Http2ServerRequest;

/**
 * Never charged: liveness and readiness probes and Prometheus scrapes must keep working while a
 * client floods the port (that is exactly when an operator looks at them), and a probe refused
 * with 429 would make Kubernetes restart a healthy peer. They are cheap (no network, no
 * storage: /healthz is served at ~8k/s on a 2-core machine) and the connection guard still
 * bounds how many connections a client holds. /readyz is listed for when it exists.
 */
export const RATE_LIMIT_EXEMPT_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"]);

/** A refused request: what the client is told. */
export interface RateRefusal {
  /** Whole seconds, ≥ 1 (HTTP's Retry-After has no finer unit). */
  retryAfterSeconds: number;
  message: string;
}

/** The refusal of the request being served, for the Connect interceptor (undefined: allowed). */
export const RATE_REFUSAL = createContextKey<RateRefusal | undefined>(undefined, { description: "why the rate limit refused this request" });

export interface HttpRateLimiterOptions {
  /** The buckets (their limits can change live through them). */
  buckets: KeyedTokenBuckets;
  /** Buckets kept at most, for the message of the overflow bucket. */
  maxClients: number;
  /** A request was refused (for the metrics). */
  onLimited?: (bucket: RateBucket) => void;
}

export class HttpRateLimiter {
  readonly #opts: HttpRateLimiterOptions;
  readonly #refused = new WeakMap<Req, RateRefusal>();

  constructor(opts: HttpRateLimiterOptions) {
    this.#opts = opts;
  }

  /** Charges the request to its client's bucket, once; the refusal, if any, is kept for `refusalOf`. */
  check(req: Req): void {
    if (!this.#opts.buckets.enabled) return;
    const path = (req.url ?? "/").split("?", 1)[0]!;
    if (RATE_LIMIT_EXEMPT_PATHS.has(path)) return;
    const client = clientKeyOf(req.socket?.remoteAddress ?? "");
    const d = this.#opts.buckets.take(client);
    if (d.allowed) return;
    this.#opts.onLimited?.(d.bucket);
    const retryAfterSeconds = Math.max(1, Math.ceil(d.retryAfterMs / 1000));
    const from = d.bucket === "client" ? client : `clients beyond the ${this.#opts.maxClients} this peer tracks (${client} among them)`;
    this.#refused.set(req, { retryAfterSeconds, message: `rate limit: more than ${d.ratePerSecond} requests/s from ${from}; retry after ${retryAfterSeconds} s` });
  }

  refusalOf(req: Req): RateRefusal | undefined {
    return this.#refused.get(req);
  }

  /** Adds the request's refusal to its Connect context values. */
  contextValues(req: Req, values: ContextValues): ContextValues {
    const refusal = this.#refused.get(req);
    return refusal ? values.set(RATE_REFUSAL, refusal) : values;
  }
}

/** Connect interceptor: a refused call fails with RESOURCE_EXHAUSTED and `retry-after` before its handler runs. */
export const rateLimitInterceptor: Interceptor = (next) => async (req) => {
  const refusal = req.contextValues.get(RATE_REFUSAL);
  if (refusal) throw new ConnectError(refusal.message, Code.ResourceExhausted, { "retry-after": String(refusal.retryAfterSeconds) });
  return next(req);
};

/** The REST answer to a refused request: 429, Retry-After, and the message. */
export function sendRateRefusal(res: { writeHead(status: number, headers: Record<string, string | number>): unknown; end(body: string): unknown }, refusal: RateRefusal): void {
  const body = JSON.stringify({ error: refusal.message, code: "resource_exhausted" });
  res.writeHead(429, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "retry-after": String(refusal.retryAfterSeconds),
  });
  res.end(body);
}
