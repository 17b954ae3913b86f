import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { FleetService } from "@p2p/proto/fleet";
import type { Fleet } from "./fleet.js";
import { fleetServiceImpl, requireTokenForMutations } from "./fleet-service.js";

export interface FleetServer {
  /** host:port actually bound. */
  address: string;
  /** Stops accepting calls and closes open connections. */
  close(): Promise<void>;
}

/**
 * Serves FleetService (Connect, gRPC and gRPC-Web protocols; JSON or binary) on host:port, plus
 * `GET /healthz`. With `token` set, mutating calls require it.
 */
export async function startFleetServer(fleet: Fleet, options: { host: string; port: number; token?: string }): Promise<FleetServer> {
  const interceptors: Interceptor[] = options.token ? [requireTokenForMutations(options.token)] : [];
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
  const server: Server = createServer(handler);
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
