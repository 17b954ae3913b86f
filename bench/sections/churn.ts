/**
 * Churn: time for the survivors to restore R copies of every record after a replica holder
 * is killed (SIGKILL, no hand-off). Copies are counted from every live peer's LocalRecords.
 * Runs only when peers serve NodeService.ReplicationHealth (the repair feature).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { nodeClient, startNetwork, waitFor, type Network, type NodeClient } from "@p2p/launcher";
import { figure, type SectionResult } from "../lib/figures.js";
import type { BenchOptions } from "../lib/options.js";

const S = "churn";

async function copiesPerKey(clients: NodeClient[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const c of clients) {
    let pageToken = "";
    do {
      const page = await c.localRecords({ pageSize: 1000, pageToken, prefix: "churn-" });
      for (const r of page.records) if (!r.tombstone) counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
      pageToken = page.nextPageToken;
    } while (pageToken);
  }
  return counts;
}

const REPAIR_INTERVAL_MS = 2000;

export async function runChurn(o: BenchOptions): Promise<Omit<SectionResult, "seconds">> {
  let net: Network | undefined;
  try {
    // The default repair interval is 30 s; 2 s measures the repair itself (detection, lookup,
    // transfer) rather than the wait for the next round, and keeps the quick run short.
    net = await startNetwork(8, { concurrency: 4, peer: { args: ["--repair-interval-ms", String(REPAIR_INTERVAL_MS)] } });
    const clients = net.peers.map((p) => nodeClient(p.httpAddress!, { binary: true }));
    try {
      await clients[0]!.replicationHealth({});
    } catch (err) {
      if (ConnectError.from(err).code === Code.Unimplemented) {
        return { section: S, status: "not available: peers do not serve ReplicationHealth (repair) yet", figures: [], notes: [] };
      }
      throw err;
    }
    const info = await clients[0]!.info({});
    const r = info.replicationFactor;
    const keys = Array.from({ length: o.quick ? 100 : 300 }, (_, i) => `churn-${i}`);
    for (const k of keys) await clients[1]!.put({ key: k, value: "v" });
    await waitFor(async () => [...(await copiesPerKey(clients)).values()].filter((n) => n >= r).length === keys.length, {
      timeoutMs: 30_000,
      what: `${r} copies of every record before the kill`,
    });
    const times: number[] = [];
    const reps = Math.min(o.reps, 3);
    const notes: string[] = [];
    let alive = net.peers.map((p, i) => ({ p, c: clients[i]! }));
    for (let rep = 0; rep < reps; rep++) {
      // Kill the live peer holding the most records (never the bootstrap peer).
      const held = await Promise.all(alive.map(async ({ c }) => Number((await c.localRecords({ pageSize: 1, prefix: "churn-" })).total)));
      let victim = 1;
      for (let i = 1; i < alive.length; i++) if (held[i]! > held[victim]!) victim = i;
      await alive[victim]!.p.kill();
      alive = alive.filter((_, i) => i !== victim);
      const t0 = Date.now();
      const timeoutMs = o.quick ? 60_000 : 120_000;
      try {
        await waitFor(async () => {
          const counts = await copiesPerKey(alive.map((a) => a.c));
          return keys.every((k) => (counts.get(k) ?? 0) >= r);
        }, { timeoutMs, what: `${r} copies restored` });
        times.push((Date.now() - t0) / 1000);
      } catch {
        notes.push(`kill ${rep + 1}: R copies not restored within ${timeoutMs / 1000} s`);
        break;
      }
    }
    notes.unshift(`8 peers with --repair-interval-ms ${REPAIR_INTERVAL_MS} (default 30 s), ${keys.length} records, R=${r}; each repetition SIGKILLs the live peer holding the most records and waits until every record has R copies on live peers (LocalRecords of every peer).`);
    return { section: S, status: "ok", figures: times.length ? [figure(S, "restore R copies after a kill", "s", times)] : [], notes };
  } finally {
    await net?.stop();
  }
}
