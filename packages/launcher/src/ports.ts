import { createServer } from "node:net";

/**
 * True when `port` can be bound on `host` right now. Only a hint: another process may take
 * the port before the peer binds it, so callers still handle EADDRINUSE (see
 * `isAddressInUse`). Port 0 is always "free".
 */
export function isPortFree(host: string, port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** True when a peer's last log lines say it could not bind its port. */
export function isAddressInUse(lines: readonly string[]): boolean {
  return lines.some((l) => l.includes("EADDRINUSE"));
}
