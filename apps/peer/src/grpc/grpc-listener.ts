/**
 * The gRPC port's own listener: connections are admitted by a ConnectionGuard (per-client and
 * total caps, the HTTP/2 preface within the header timeout) and only then handed to grpc-js
 * through its connection injector. grpc-js's own bindAsync listener applies no limit before a
 * session exists: a silent TCP connection, or one sending its preface a byte at a time, was
 * held forever (its idle and keepalive timers start with the session). Once injected, grpc-js's
 * limits (streams per connection, session memory, keepalive, idle) take over.
 *
 * With `tls`, the admitted socket is wrapped in TLS here, and only a connection whose client
 * certificate PeerTls admits (a peer ID proven by its key; this network's membership) is handed
 * on, marked authorized so its calls can read the proven ID (sender-verifier.ts). The header
 * timeout covers the handshake too: a client that stalls it is cut like one that stalls its preface.
 */
import net from "node:net";
import { TLSSocket } from "node:tls";
import { ServerCredentials, type Server } from "@grpc/grpc-js";
import type { ConnectionGuard } from "../http/connection-guard.js";
import type { PeerTls } from "../tls/peer-tls.js";

/** The client connection preface every HTTP/2 connection opens with (RFC 9113 §3.4). */
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export interface GrpcListener {
  port: number;
  /** Stops accepting connections; the server's shutdown ends the ones it holds. */
  stopAccepting(): void;
  /** Ends every injected connection at once (after a shutdown's grace). */
  destroy(): void;
}

export async function listenForGrpc(server: Server, host: string, port: number, guard: ConnectionGuard, tls?: PeerTls): Promise<GrpcListener> {
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  const listener = net.createServer((raw) => {
    raw.on("error", () => raw.destroy());
    if (!guard.admit(raw)) return;
    if (!tls) return awaitPreface(raw, raw);
    const remote = `${raw.remoteAddress ?? "?"}:${raw.remotePort ?? "?"}`;
    const secure = new TLSSocket(raw, { isServer: true, secureContext: tls.secureContext, requestCert: true, rejectUnauthorized: false, ALPNProtocols: ["h2"] });
    secure.on("error", () => secure.destroy());
    secure.once("secure", () => {
      const admitted = tls.admit(secure.getPeerCertificate(true)?.raw, remote, "server");
      if (typeof admitted !== "string") return void secure.destroy();
      secure.authorized = true;
      // What tls.Server does once a handshake is done; HTTP/2 otherwise waits for a
      // 'secureConnect' that only client sockets emit.
      (secure as TLSSocket & { secureConnecting: boolean }).secureConnecting = false;
      awaitPreface(secure, raw);
    });
  });
  /** Checks that `socket` speaks HTTP/2 and hands it to grpc-js; `raw` is the TCP socket the guard follows. */
  function awaitPreface(socket: net.Socket, raw: net.Socket): void {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, PREFACE.length);
      if (!head.subarray(0, n).equals(PREFACE.subarray(0, n))) {
        socket.destroy(); // not HTTP/2: nothing on this port speaks anything else
        return;
      }
      if (head.length < PREFACE.length) return;
      socket.off("data", onData);
      socket.pause();
      socket.unshift(head);
      guard.headersArrived(raw);
      injector.injectConnection(socket);
      process.nextTick(() => socket.resume());
    };
    socket.on("data", onData);
  }
  const bound = await new Promise<number>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(port, host.replace(/^\[|\]$/g, ""), () => {
      listener.off("error", reject);
      resolve((listener.address() as net.AddressInfo).port);
    });
  });
  return {
    port: bound,
    stopAccepting: () => listener.close(),
    destroy: () => injector.destroy(),
  };
}
