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

export interface HttpServerOptions {
  host: string;
  port: number;
  routes: (router: ConnectRouter) => void;
  /** Handles every request Connect does not (REST routes). */
  fallback: (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;
  /** Largest Connect request message, in bytes (larger → resource_exhausted). */
  readMaxBytes: number;
}

export interface StartedHttpServer {
  port: number;
  close(graceMs?: number): Promise<void>;
}

export async function startHttpServer(opts: HttpServerOptions): Promise<StartedHttpServer> {
  const handler = connectNodeAdapter({
    routes: opts.routes,
    fallback: opts.fallback as NonNullable<Parameters<typeof connectNodeAdapter>[0]["fallback"]>,
    readMaxBytes: opts.readMaxBytes,
    // Connect ignores unknown JSON fields by default; for a curl-facing API that turns a typo
    // (`"valeu"`) into a silently empty field, so name the stray field in INVALID_ARGUMENT instead.
    jsonOptions: { ignoreUnknownFields: false },
    // Connect gzips any response over 1 KiB by default, and a Get answer (value, versions,
    // replicas) is just over that: a CPU profile of a 5-peer network under reads showed ~5%
    // of the coordinator's CPU in zlib plus its GC churn, for loopback/LAN bytes that cost
    // less to send than to compress. Only large answers (record pages) are worth it.
    compressMinBytes: 64 * 1024,
  });
  const h1 = http.createServer(handler);
  // Bound slow clients: headers within 10 s, a whole request within 60 s.
  h1.headersTimeout = 10_000;
  h1.requestTimeout = 60_000;
  h1.keepAliveTimeout = 5_000;
  const h2 = http2.createServer({ maxSessionMemory: 16 }, handler);
  const sockets = new Set<net.Socket>();

  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.once("data", (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      const isH2 = first.subarray(0, 3).toString("latin1") === "PRI";
      (isH2 ? h2 : h1).emit("connection", socket);
      process.nextTick(() => socket.resume());
    });
    socket.on("error", () => socket.destroy());
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
