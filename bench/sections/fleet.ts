/**
 * Fleet: how long n peers take to spawn until all are running and routable, and what an idle
 * peer costs (CPU and RSS from /proc over a watch window). Uses the launcher, the same code
 * the fleet controller spawns peers with.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { nodeClient, startNetwork, waitFor, type Network } from "@p2p/launcher";
import { figure, withTarget, type Figure, type SectionResult } from "../lib/figures.js";
import type { BenchOptions } from "../lib/options.js";
import { cpuSeconds, pssBytes, rssBytes } from "../lib/proc.js";

const S = "fleet";

export async function runFleet(o: BenchOptions): Promise<Omit<SectionResult, "seconds">> {
  const figures: Figure[] = [];
  const notes: string[] = ["Spawn: one run per size (launcher startNetwork, 4 peers starting at a time, each joining through 3 random running peers, node flags DEFAULT_PEER_NODE_ARGS), until every peer's routing table holds min(n-1, 20) contacts."];
  const largest = Math.max(...o.fleetSizes);
  for (const n of o.fleetSizes) {
    const t0 = Date.now();
    let net: Network | undefined;
    try {
      net = await startNetwork(n, { concurrency: 4 });
      const clients = net.peers.map((p) => nodeClient(p.httpAddress!, { binary: true, timeoutMs: 5000 }));
      await waitFor(async () => (await Promise.all(clients.map((c) => c.info({})))).every((i) => i.contacts >= Math.min(n - 1, 20)), {
        timeoutMs: 120_000,
        what: `${n} peers routable`,
      });
      const spawn = figure(S, `spawn ${n} peers until routable`, "s", [(Date.now() - t0) / 1000]);
      // The target is for 100 peers from one launcher; smaller sizes are context.
      figures.push(n === 100 ? withTarget(spawn, "< 60 s", (f) => f.value.median < 60) : spawn);
      if (n !== largest) continue;
      // Idle cost: let start-up work (joins, first refreshes, V8's post-start GCs) settle, then watch.
      await sleep(o.idleSettleMs);
      const pids = net.peers.map((p) => p.pid);
      const cpu0 = pids.map((p) => cpuSeconds(p) ?? 0);
      const t1 = Date.now();
      await sleep(o.idleWatchMs);
      const secs = (Date.now() - t1) / 1000;
      const cpuPct = pids.map((p, i) => (((cpuSeconds(p) ?? cpu0[i]!) - cpu0[i]!) / secs) * 100);
      const rss = pids.map((p) => (rssBytes(p) ?? 0) / 2 ** 20);
      const pss = pids.map((p) => (pssBytes(p) ?? 0) / 2 ** 20);
      figures.push(
        withTarget(figure(S, `idle peer CPU (${n} peers, ${Math.round(secs)} s, over peers)`, "%", cpuPct), "< 0.2% of a core", (f) => f.value.median < 0.2),
        withTarget(figure(S, `idle peer RSS (${n} peers, over peers)`, "MiB", rss), "< 80 MiB", (f) => f.value.median < 80),
        withTarget(figure(S, `idle peer PSS (${n} peers, over peers)`, "MiB", pss), "< 35 MiB", (f) => f.value.median < 35),
      );
      notes.push(`Idle figures are the median, min and max over the ${n} peers (not over repetitions); /proc ticks are 10 ms, so CPU resolution is 10 ms / ${Math.round(secs)} s. The watch starts ${o.idleSettleMs / 1000} s after the fleet is routable. PSS shares the node binary's pages among the peers: RSS counts its ~40 MiB of text in full for each.`);
    } finally {
      await net?.stop();
    }
  }
  return { section: S, status: "ok", figures, notes };
}
