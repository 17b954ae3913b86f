/**
 * The public HTTP endpoint: one port serving HTTP/1.1 (curl, browsers, Connect, gRPC-Web) and
 * cleartext HTTP/2 (gRPC, Connect over h2). Node's cleartext http2 server cannot fall back to
 * HTTP/1.1, so a plain TCP listener looks at the first bytes of each connection — an HTTP/2
 * client always opens with the "PRI * HTTP/2.0" preface — and hands the socket to the right one.
 */
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectErrorInterceptor } from "../edge-errors.js";
import { ConnectionGuard, type ConnectionLimitHit, type ConnectionLimits } from "./connection-guard.js";
import { rateLimitInterceptor, sendRateRefusal, type HttpRateLimiter } from "./http-rate-limit.js";

export interface HttpServerOptions {
  host: string;
  port: number;
  routes: (router: ConnectRouter) => void;
  /** Handles every request Connect does not (REST routes). */
  fallback: (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;
  /** Largest Connect request message, in bytes (larger → resource_exhausted). */
  readMaxBytes: number;
  /**
   * Requests whose body may take longer than `requestTimeoutMs` (file uploads): bounded by
   * progress instead, `idleTimeoutMs` without a byte ends them. Default: `isFileUpload`.
   */
  isLongUpload?: (method: string, path: string) => boolean;
  /** HTTP/1.1: a whole request body within this, ms, except long uploads. Default 60000. */
  requestTimeoutMs?: number;
  /** HTTP/1.1: a long upload sending nothing for this long is cut, ms. Default 30000. */
  idleTimeoutMs?: number;
  /** Connection limits (connection-guard.ts); defaults in `defaultConnectionLimits`. */
  connectionLimits?: Partial<ConnectionLimits>;
  /** A connection was refused or cut by a limit (for the metrics). */
  onConnectionLimit?: (hit: ConnectionLimitHit) => void;
  /** Per-client request rate limit (http-rate-limit.ts). Default: none. */
  rateLimiter?: HttpRateLimiter;
}

/** File uploads: REST `PUT /files/<name>`, `POST /files`, and NodeService.UploadFile. */
export function isFileUpload(method: string, path: string): boolean {
  if (method === "PUT" && path.startsWith("/files/")) return true;
  if (method === "POST" && (path === "/files" || path === "/p2p.v1.NodeService/UploadFile")) return true;
  return false;
}

/**
 * Ends the request's connection unless its body arrives in time: within `totalMs` for
 * ordinary requests (slowloris), or with no gap longer than `idleMs` for long uploads (a slow
 * but moving 1 GiB upload must not be cut at a fixed total time).
 */
function boundRequestBody(req: http.IncomingMessage, long: boolean, totalMs: number, idleMs: number): void {
  if (req.complete) return;
  const timer = setTimeout(() => req.socket.destroy(), long ? idleMs : totalMs);
  timer.unref();
  if (long) req.on("data", () => timer.refresh());
  const stop = () => clearTimeout(timer);
  req.once("end", stop);
  req.once("close", stop);
  req.once("error", stop);
}

export interface StartedHttpServer {
  port: number;
  close(graceMs?: number): Promise<void>;
}

import { remoteAddressValues } from "./remote-address.js";

export async function startHttpServer(opts: HttpServerOptions): Promise<StartedHttpServer> {
  const limiter = opts.rateLimiter;
  // A request the rate limit refused is answered here on the REST side, in Connect's interceptor otherwise.
  const fallback: HttpServerOptions["fallback"] = limiter
    ? (req, res) => {
        const refusal = limiter.refusalOf(req);
        if (!refusal) return opts.fallback(req, res);
        // A refused upload's body is not worth reading: Node would drain it (up to the file
        // limit) to reuse the connection, so HTTP/1.1 closes after the answer instead.
        if (req.httpVersionMajor === 1 && !req.complete) res.setHeader("connection", "close");
        sendRateRefusal(res as http.ServerResponse, refusal);
      }
    : opts.fallback;
  const connectHandler = connectNodeAdapter({
    routes: opts.routes,
    fallback: fallback as NonNullable<Parameters<typeof connectNodeAdapter>[0]["fallback"]>,
    readMaxBytes: opts.readMaxBytes,
    // The core raises DhtErrors: every handler's failure reaches the client with its code.
    // AdminService has its own list (a service's interceptors replace these): keep both in step.
    interceptors: [connectErrorInterceptor, rateLimitInterceptor],
    // Connect ignores unknown JSON fields by default; for a curl-facing API that turns a typo
    // (`"valeu"`) into a silently empty field, so name the stray field in INVALID_ARGUMENT instead.
    jsonOptions: { ignoreUnknownFields: false },
    // Connect gzips any response over 1 KiB by default, and a Get answer (value, versions,
    // replicas) is just over that: a CPU profile of a 5-peer network under reads showed ~5%
    // of the coordinator's CPU in zlib plus its GC churn, for loopback/LAN bytes that cost
    // less to send than to compress. Only large answers (record pages) are worth it.
    compressMinBytes: 64 * 1024,
    // Methods for this machine only (SetFaults) check where the request came from.
    contextValues: limiter ? (req) => limiter.contextValues(req, remoteAddressValues(req)) : remoteAddressValues,
  });
  // Every request is charged once, here, before any route sees it.
  const handler: typeof connectHandler = limiter
    ? (req, res) => {
        limiter.check(req);
        connectHandler(req, res);
      }
    : connectHandler;
  const isLong = opts.isLongUpload ?? isFileUpload;
  const requestTimeoutMs = opts.requestTimeoutMs ?? 60_000;
  const idleTimeoutMs = opts.idleTimeoutMs ?? 30_000;
  const h1 = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    boundRequestBody(req, isLong(req.method ?? "GET", path), requestTimeoutMs, idleTimeoutMs);
    handler(req, res);
  });
  // Bound slow clients: first byte and headers per the connection guard (h1 never listens, so
  // Node's own headersTimeout and requestTimeout never apply to it), then the body per
  // boundRequestBody. A total request time would cut a slow large upload still making progress.
  h1.requestTimeout = 0;
  h1.keepAliveTimeout = 5_000;
  const h2 = http2.createServer({ maxSessionMemory: 16 }, handler);
  const guard = new ConnectionGuard(opts.connectionLimits, opts.onConnectionLimit);
  guard.watchHttp1(h1);
  guard.watchHttp2(h2);
  const sockets = new Set<net.Socket>();

  const listener = net.createServer((socket) => {
    socket.on("error", () => socket.destroy());
    if (!guard.admit(socket)) return;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.once("data", (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      const isH2 = first.subarray(0, 3).toString("latin1") === "PRI";
      if (isH2) {
        h2.emit("connection", socket);
        guard.handedToHttp2(socket);
      } else {
        h1.emit("connection", socket);
      }
      process.nextTick(() => socket.resume());
    });
  });

  const port = await new Promise<number>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(opts.port, opts.host, () => {
      listener.off("error", reject);
      resolve((listener.address() as net.AddressInfo).port);
    });
  });

  let closing: Promise<void> | undefined;
  return {
    port,
    close(graceMs = 5000) {
      closing ??= new Promise<void>((resolve) => {
        listener.close(() => resolve());
        h1.closeIdleConnections();
        const force = setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, graceMs);
        force.unref();
        listener.once("close", () => clearTimeout(force));
      });
      return closing;
    },
  };
}
