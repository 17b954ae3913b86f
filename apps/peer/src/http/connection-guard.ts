/**
 * Limits on the public HTTP port's connections, applied where every connection starts (the
 * protocol-sniffing listener in http-server.ts), because that listener hands sockets to http and
 * http2 servers that never listen themselves, and Node applies an http.Server's headersTimeout
 * and requestTimeout only to servers that do: before this guard, a connection that sent nothing,
 * or its headers a byte at a time, was held forever, and 21,000 of them from one client took
 * every file descriptor of the peer.
 *
 * - A connection must send its first byte within `headersTimeoutMs`, and an HTTP/1.1 request's
 *   headers must be complete within `headersTimeoutMs` of the connection (or of the previous
 *   response on a kept-alive connection).
 * - A connection with no traffic either way for `idleTimeoutMs` is closed (HTTP/1.1 and HTTP/2).
 * - At most `maxConnectionsPerClient` connections from one address, `maxConnections` in all.
 * Each refusal or cut is reported through `onLimit`, for the metrics.
 */
import type http from "node:http";
import type http2 from "node:http2";
import type net from "node:net";

export interface ConnectionLimits {
  /** First byte, and HTTP/1.1 request headers, within this, ms. Default 10000. */
  headersTimeoutMs: number;
  /** No traffic either way for this long closes the connection, ms. Default 60000. */
  idleTimeoutMs: number;
  /** Connections open at once from one client address. Default 256. */
  maxConnectionsPerClient: number;
  /** Connections open at once in all. Default 8192 (below the usual 20k descriptor limit, leaving room for peers and files). */
  maxConnections: number;
}

export const defaultConnectionLimits: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  maxConnectionsPerClient: 256,
  maxConnections: 8192,
};

/** Why a connection was refused or cut. */
export type ConnectionLimitHit = "per_client" | "total" | "headers_timeout" | "idle_timeout";

export class ConnectionGuard {
  readonly #limits: ConnectionLimits;
  readonly #onLimit: (hit: ConnectionLimitHit) => void;
  /** Open connections per client address; an entry lives only while one is open, so the map is bounded by maxConnections. */
  readonly #perClient = new Map<string, number>();
  /** HTTP/1.1 sockets waiting for a request's headers, with the timer that cuts them. */
  readonly #awaitingHeaders = new WeakMap<net.Socket, NodeJS.Timeout>();
  /** Sockets whose close already clears their header timer. */
  readonly #watched = new WeakSet<net.Socket>();
  #open = 0;
  /** The session the HTTP/2 server created last (see handedToHttp2). */
  #newSession: http2.ServerHttp2Session | undefined;

  constructor(limits: Partial<ConnectionLimits> = {}, onLimit: (hit: ConnectionLimitHit) => void = () => {}) {
    this.#limits = { ...defaultConnectionLimits, ...limits };
    this.#onLimit = onLimit;
  }

  get limits(): Readonly<ConnectionLimits> {
    return this.#limits;
  }

  /** Open connections now (for a gauge). */
  get open(): number {
    return this.#open;
  }

  /**
   * Admits a new connection or destroys it (false). An admitted one is counted until it
   * closes and must send its first byte in time.
   */
  admit(socket: net.Socket): boolean {
    const client = socket.remoteAddress ?? "?";
    const fromClient = this.#perClient.get(client) ?? 0;
    const refused: ConnectionLimitHit | undefined =
      this.#open >= this.#limits.maxConnections ? "total" : fromClient >= this.#limits.maxConnectionsPerClient ? "per_client" : undefined;
    if (refused) {
      this.#onLimit(refused);
      socket.destroy();
      return false;
    }
    this.#open++;
    this.#perClient.set(client, fromClient + 1);
    socket.once("close", () => {
      this.#open--;
      const left = (this.#perClient.get(client) ?? 1) - 1;
      if (left > 0) this.#perClient.set(client, left);
      else this.#perClient.delete(client);
    });
    this.awaitHeaders(socket);
    return true;
  }

  /** Cuts the socket unless a request's headers (or, for HTTP/2, its preface) arrive in time. */
  awaitHeaders(socket: net.Socket): void {
    this.#clearHeaderTimer(socket);
    if (socket.destroyed) return;
    const timer = setTimeout(() => {
      this.#onLimit("headers_timeout");
      socket.destroy();
    }, this.#limits.headersTimeoutMs);
    timer.unref();
    this.#awaitingHeaders.set(socket, timer);
    // Once per socket, not per request: a kept-alive connection awaits headers again after
    // every response, and a listener each time piled up (MaxListenersExceededWarning at 11).
    if (!this.#watched.has(socket)) {
      this.#watched.add(socket);
      socket.once("close", () => this.#clearHeaderTimer(socket));
    }
  }

  /** The headers came (HTTP/1.1 request, or an HTTP/2 connection's preface). */
  headersArrived(socket: net.Socket): void {
    this.#clearHeaderTimer(socket);
  }

  /**
   * Follows an HTTP/1.1 server's requests: headers complete → stop the clock; response
   * finished → the next request's headers are due within the timeout again. Idle sockets are
   * cut by the server's own socket timeout (it works without listening).
   */
  watchHttp1(server: http.Server): void {
    server.timeout = this.#limits.idleTimeoutMs;
    server.on("timeout", (socket: net.Socket) => {
      this.#onLimit("idle_timeout");
      socket.destroy();
    });
    server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
      const socket = req.socket;
      this.headersArrived(socket);
      res.once("finish", () => {
        if (!socket.destroyed) this.awaitHeaders(socket);
      });
    });
  }

  /**
   * HTTP/2: idle sessions are cut by the session's timeout (HTTP/2 reads the socket natively,
   * so a socket timeout would not see the traffic). See also `handedToHttp2`.
   */
  watchHttp2(server: http2.Http2Server): void {
    server.on("session", (session: http2.ServerHttp2Session) => {
      this.#newSession = session;
      session.setTimeout(this.#limits.idleTimeoutMs, () => {
        this.#onLimit("idle_timeout");
        session.destroy();
      });
    });
  }

  /**
   * Call right after emitting "connection" on the HTTP/2 server (which creates the session
   * synchronously): the header clock stops at the client's SETTINGS, which follow its preface.
   * (`session.socket` is a proxy, so the raw socket is matched here instead.)
   */
  handedToHttp2(socket: net.Socket): void {
    const session = this.#newSession;
    this.#newSession = undefined;
    if (!session) return;
    session.once("remoteSettings", () => this.headersArrived(socket));
  }

  #clearHeaderTimer(socket: net.Socket): void {
    const timer = this.#awaitingHeaders.get(socket);
    if (timer) {
      clearTimeout(timer);
      this.#awaitingHeaders.delete(socket);
    }
  }
}
