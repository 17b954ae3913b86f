import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { FleetService } from "@p2p/proto/fleet";

export type FleetClient = Client<typeof FleetService>;

/**
 * A Connect client for a fleet controller at `url` (e.g. "http://127.0.0.1:7000"). With `token`
 * every call carries `authorization: Bearer <token>`. Calls get `timeoutMs` as deadline
 * (default 120000: spawning many peers takes a while) unless they pass their own.
 */
export function fleetClient(url: string, options: { token?: string; timeoutMs?: number } = {}): FleetClient {
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${options.token}`);
    return next(req);
  };
  return createClient(
    FleetService,
    createConnectTransport({
      baseUrl: url,
      httpVersion: "1.1",
      defaultTimeoutMs: options.timeoutMs ?? 120_000,
      interceptors: options.token ? [auth] : [],
    }),
  );
}
