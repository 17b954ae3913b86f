/**
 * The gRPC port's own listener: connections are admitted by a ConnectionGuard (per-client and
 * total caps, the HTTP/2 preface within the header timeout) and only then handed to grpc-js
 * through its connection injector. grpc-js's own bindAsync listener applies no limit before a
 * session exists: a silent TCP connection, or one sending its preface a byte at a time, was
 * held forever (its idle and keepalive timers start with the session). Once injected, grpc-js's
 * limits (streams per connection, session memory, keepalive, idle) take over.
 */
import net from "node:net";
import { ServerCredentials, type Server } from "@grpc/grpc-js";
import type { ConnectionGuard } from "../http/connection-guard.js";

/** The client connection preface every HTTP/2 connection opens with (RFC 9113 §3.4). */
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export interface GrpcListener {
  port: number;
  /** Stops accepting connections; the server's shutdown ends the ones it holds. */
  stopAccepting(): void;
  /** Ends every injected connection at once (after a shutdown's grace). */
  destroy(): void;
}

export async function listenForGrpc(server: Server, host: string, port: number, guard: ConnectionGuard): Promise<GrpcListener> {
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  const listener = net.createServer((socket) => {
    socket.on("error", () => socket.destroy());
    if (!guard.admit(socket)) return;
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
      guard.headersArrived(socket);
      injector.injectConnection(socket);
      process.nextTick(() => socket.resume());
    };
    socket.on("data", onData);
  });
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
