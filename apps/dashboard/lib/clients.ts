/**
 * Connect clients for peers (NodeService) and the fleet controller (FleetService), server
 * side only. Transports are cached per base URL so keep-alive connections are reused
 * between polls; the cache is bounded (oldest dropped first).
 */
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { NodeService } from "@p2p/proto/node";
import { FleetService } from "@p2p/proto/fleet";

export type NodeClient = Client<typeof NodeService>;
export type FleetClient = Client<typeof FleetService>;

const MAX_CACHED = 1024;
const nodeClients = new Map<string, NodeClient>();

/** A NodeService client for a peer's public HTTP address ("host:port"). */
export function nodeClient(httpAddress: string): NodeClient {
  let c = nodeClients.get(httpAddress);
  if (!c) {
    // Binary protobuf: the snapshot moves thousands of records a second, JSON would double the cost.
    const transport = createConnectTransport({ baseUrl: `http://${httpAddress}`, httpVersion: "1.1", useBinaryFormat: true });
    c = createClient(NodeService, transport);
    if (nodeClients.size >= MAX_CACHED) nodeClients.delete(nodeClients.keys().next().value!);
    nodeClients.set(httpAddress, c);
  }
  return c;
}

/**
 * A FleetService client. The token, when given, is sent as "authorization: Bearer <token>"
 * on every call; it never leaves the dashboard's server.
 */
export function fleetClient(baseUrl: string, token?: string): FleetClient {
  const transport = createConnectTransport({
    baseUrl,
    httpVersion: "1.1",
    interceptors: token
      ? [(next) => async (req) => {
          req.header.set("authorization", `Bearer ${token}`);
          return next(req);
        }]
      : [],
  });
  return createClient(FleetService, transport);
}

/** host:port with a port in 1..65535; a bracketed IPv6 host is allowed. */
export function isHostPort(s: string): boolean {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(s);
  if (!m) return false;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535;
}
