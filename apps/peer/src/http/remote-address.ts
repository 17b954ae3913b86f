/**
 * The address a request came from, as a Connect context value, for the few methods that only a
 * process on this machine may call (SetFaults: fault injection cuts a peer off).
 */
import { createContextKey, createContextValues, type ContextValues } from "@connectrpc/connect";

import type * as http from "node:http";
import type * as http2 from "node:http2";
import { isIP } from "node:net";

export const REMOTE_ADDRESS = createContextKey<string>("", { description: "the client's IP address" });

export function remoteAddressValues(req: http.IncomingMessage | http2.Http2ServerRequest): ContextValues {
  return createContextValues().set(REMOTE_ADDRESS, req.socket?.remoteAddress ?? "");
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.startsWith("::ffff:") ? address.slice(7) : address;
  if (isIP(a) === 4) return a.startsWith("127.");
  return a === "::1";
}
