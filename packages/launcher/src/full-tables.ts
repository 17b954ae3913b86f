/**
 * Waits until every peer's routing table holds every other peer: what a test or a chaos run
 * needs before its first write, since a write right after start can race the last joins (the
 * peer coordinating it would not yet know some replica).
 */
import { nodeClient } from "./node-client.js";
import { waitFor } from "./wait-for.js";

export async function waitForFullTables(httpAddresses: readonly string[], options: { timeoutMs?: number } = {}): Promise<void> {
  const clients = httpAddresses.map((a) => nodeClient(a));
  await waitFor(
    async () => {
      for (const c of clients) if ((await c.info({})).contacts < httpAddresses.length - 1) return false;
      return true;
    },
    { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 250, what: `all ${httpAddresses.length} routing tables to hold every other peer` },
  );
}
