/**
 * The dashboard at fleet scale, by hand (too heavy for the test suite on a small machine):
 *   node --conditions=source --import tsx apps/dashboard/scripts/large-fleet-shots.ts [peers=50] [keys=500] [kill=5]
 * Starts `peers` real peers and the built dashboard, stores `keys` keys, prints the bytes of
 * one poll of each snapshot view (JSON, and gzip on the wire as a browser gets it), kills
 * `kill` peers, and saves screenshots of the overview, ring and topology to
 * test-results/large-*.png. Stops everything at the end, also on failure.
 */
import { request } from "node:http";
import { nodeClient } from "../lib/clients";
import { fleetClient } from "../lib/clients";
import { mapWithConcurrency } from "../lib/pool";
import { SNAPSHOT_VIEWS } from "../lib/snapshot-slice";
import type { Snapshot } from "../lib/snapshot-types";
import { startFleet } from "../tests/fleet";
import { ensureBuilt, launchBrowser, screenshot, startDashboard, waitFor } from "../tests/harness";

const [peers = 50, keys = 500, kill = 5] = process.argv.slice(2).map(Number);

/** Bytes on the wire for one GET, asking for gzip as a browser does (no decoding). */
function wireBytes(url: string, gzip: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers: gzip ? { "accept-encoding": "gzip" } : {} }, (res) => {
      let n = 0;
      res.on("data", (b: Buffer) => (n += b.length));
      res.on("end", () => resolve(n));
    }).on("error", reject).end();
  });
}

async function measure(url: string): Promise<Record<string, { json: number; gzip: number }>> {
  const out: Record<string, { json: number; gzip: number }> = {};
  for (const v of SNAPSHOT_VIEWS) out[v] = { json: await wireBytes(`${url}/api/snapshot?view=${v}`, false), gzip: await wireBytes(`${url}/api/snapshot?view=${v}`, true) };
  return out;
}

ensureBuilt();
const stops: (() => Promise<void>)[] = [];
try {
  const fleet = await startFleet(peers!, 600_000, 600_000);
  stops.push(fleet.stop);
  const dash = await startDashboard({ FLEET_URL: fleet.url, FLEET_TOKEN: fleet.token });
  stops.push(dash.stop);
  const snap = async (v = "full") => (await (await fetch(`${dash.url}/api/snapshot?view=${v}`)).json()) as Snapshot;
  const live = await waitFor("every peer live", async () => {
    const up = (await snap("peers")).peers.filter((p) => p.status !== "down");
    return up.length === peers ? up : undefined;
  }, 600_000, 1000);
  await mapWithConcurrency(Array.from({ length: keys! }, (_, i) => i), 8, (i) =>
    nodeClient(live[i % live.length]!.httpAddress).put({ key: `large-${i}`, value: `value-${i}` }, { timeoutMs: 20_000 }));
  await waitFor(`${keys} records seen`, async () => ((await snap("overview")).replication.records >= keys! ? true : undefined), 120_000, 1000);
  console.log(JSON.stringify({ peers, keys, bytesPerPoll: await measure(dash.url) }));

  const browser = await launchBrowser();
  stops.push(browser.stop);
  const page = browser.page;
  page.setDefaultTimeout(60_000);
  await page.goto(`${dash.url}/`);
  await page.locator('[data-testid="op-row"][data-op="put"]').waitFor();
  const putsBefore = await page.locator('[data-testid="op-row"][data-op="put"]').getAttribute("data-count");
  await screenshot(page, "large-1-overview");

  const api = fleetClient(fleet.url, fleet.token);
  for (const p of live.slice(0, kill)) await api.killPeer({ peer: p.name! });
  await waitFor(`${kill} peers down`, async () => ((await snap("peers")).peers.filter((p) => p.status === "down").length >= kill! ? true : undefined), 60_000, 1000);
  await page.waitForTimeout(2500);
  const putsAfter = await page.locator('[data-testid="op-row"][data-op="put"]').getAttribute("data-count");
  const after = await snap("overview");
  console.log(JSON.stringify({ putsBefore, putsAfter, opsFromDownPeers: after.opsFromDownPeers, underReplicated: after.replication.underReplicated, unavailable: after.replication.unavailable }));
  await screenshot(page, "large-2-overview-killed");

  await page.goto(`${dash.url}/ring`);
  await page.locator('[data-testid="ring-peer"]').nth(peers! - 1).waitFor();
  await page.waitForTimeout(1500);
  await screenshot(page, "large-3-ring");
  const hidden = page.locator('[data-testid="ring-peer"][data-label="false"]').first();
  if (await hidden.count()) {
    // Its dot can sit under a neighbour's: dispatch the hover to it rather than move the mouse.
    await hidden.dispatchEvent("mouseover");
    await page.waitForTimeout(300);
    await screenshot(page, "large-4-ring-hover");
  }

  await page.goto(`${dash.url}/topology`);
  await page.locator('[data-testid="topo-node"]').nth(peers! - 1).waitFor();
  await page.waitForTimeout(1500);
  await screenshot(page, "large-5-topology");
  await page.locator('[data-testid="topo-node"][data-status="up"]').first().click();
  await page.waitForTimeout(500);
  await screenshot(page, "large-6-topology-selected");
  console.log(JSON.stringify({ edgesDrawnSelected: await page.getByTestId("topo-edge").count() }));
  console.log(JSON.stringify({ bytesPerPollAfterKill: await measure(dash.url) }));
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {});
}
