import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AdminService } from "@p2p/proto/admin";
import { NodeService } from "@p2p/proto/node";

export type NodeClient = Client<typeof NodeService>;

/**
 * A Connect client for a peer's public NodeService at `httpAddress` (host:port). Every call
 * gets `timeoutMs` (default 5000) as its deadline unless the call passes its own. JSON by
 * default (what curl sends, readable in a packet capture); `binary: true` for protobuf.
 */
export function nodeClient(httpAddress: string, options: { timeoutMs?: number; binary?: boolean } = {}): NodeClient {
  const transport = createConnectTransport({
    baseUrl: `http://${httpAddress}`,
    httpVersion: "1.1",
    useBinaryFormat: options.binary ?? false,
    defaultTimeoutMs: options.timeoutMs ?? 5000,
  });
  return createClient(NodeService, transport);
}

export type AdminClient = Client<typeof AdminService>;

/**
 * A Connect client for a peer's AdminService (Leave, Repair, SetFaults, GetFaults). The peer
 * serves it to loopback callers, and to others with `token` (its --admin-token-file).
 */
export function adminClient(httpAddress: string, options: { timeoutMs?: number; token?: string } = {}): AdminClient {
  const transport = createConnectTransport({
    baseUrl: `http://${httpAddress}`,
    httpVersion: "1.1",
    defaultTimeoutMs: options.timeoutMs ?? 5000,
    interceptors: options.token ? [(next) => (req) => (req.header.set("authorization", `Bearer ${options.token}`), next(req))] : [],
  });
  return createClient(AdminService, transport);
}
