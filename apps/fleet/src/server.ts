import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { FleetService } from "@p2p/proto/fleet";
import type { Fleet } from "./fleet.js";
import { fleetServiceImpl, requireToken } from "./fleet-service.js";
import { hostAllowed } from "./host-check.js";

export interface FleetServer {
  /** host:port actually bound. */
  address: string;
  /** Stops accepting calls and closes open connections. */
  close(): Promise<void>;
}

export interface FleetServerOptions {
  host: string;
  port: number;
  /** Required on every call when set (the controller sets it when bound beyond loopback). */
  token?: string;
  /** DNS names the Host header may carry besides addresses and localhost (host-check.ts). */
  allowedHosts?: readonly string[];
}

/**
 * Serves FleetService (Connect, gRPC and gRPC-Web protocols; JSON or binary) on host:port, plus
 * `GET /healthz`. With `token` set, every call requires it. A request whose Host header is a
 * name not allowed is refused with 403 before anything else (DNS rebinding).
 */
export async function startFleetServer(fleet: Fleet, options: FleetServerOptions): Promise<FleetServer> {
  const interceptors: Interceptor[] = options.token ? [requireToken(options.token)] : [];
  const allowedHosts = options.allowedHosts ?? [];
  const handler = connectNodeAdapter({
    routes: (router) => router.service(FleetService, fleetServiceImpl(fleet)),
    interceptors,
    fallback(req, response) {
      const res = response as ServerResponse; // this server is HTTP/1.1 only
      if (req.method === "GET" && req.url === "/healthz") {
        res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
        return;
      }
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    },
  });
  const server: Server = createServer((req, res) => {
    if (!hostAllowed(req.headers.host, allowedHosts)) {
      const message = `Host "${String(req.headers.host ?? "").slice(0, 100)}" is not this controller: use its address, or start it with --allowed-host <name>`;
      res.writeHead(403, { "content-type": "application/json" }).end(JSON.stringify({ code: "permission_denied", message }));
      return;
    }
    handler(req, res);
  });
  // A SpawnPeers of 200 peers takes a while: no server-side request timeout.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    address: `${address.includes(":") ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
