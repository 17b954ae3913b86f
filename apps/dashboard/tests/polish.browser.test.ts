/**
 * Issue 14, "dashboard polish", against a real fleet of 10 peers with 200 records (enough
 * for the ring to aggregate records into bins), repair off so the degraded state lasts:
 * snapshot bytes per view, topology links and outline colours on a "large" fleet (threshold
 * lowered to 8 with ?largeFleet=8), op totals that survive killed peers, ring bins in the
 * legend's colours, ring labels that do not overlap. Screenshots: test-results/polish-*.png.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { nodeClient } from "@p2p/launcher";
import type { Page } from "playwright-core";
import { launchBrowser, screenshot, startDashboard, waitFor, ensureBuilt, type BrowserSession, type Dashboard } from "./harness";
import { fleetBuilt, startFleet, type Fleet } from "./fleet";
import { fleetClient } from "../lib/clients";
import { mapWithConcurrency } from "../lib/pool";
import { minLabelGap, ringGap } from "../lib/ring-labels";
import { SNAPSHOT_VIEWS } from "../lib/snapshot-slice";
import type { Snapshot } from "../lib/snapshot-types";
import { stateColor } from "../components/ui";

const PEERS = 10;
const KEYS = 200;
const skip = fleetBuilt() ? false : "apps/peer and apps/fleet are not built (npm run build)";

describe("dashboard polish (issue 14) against a real fleet", { skip, timeout: 600_000 }, () => {
  let fleet: Fleet | undefined;
  let dash: Dashboard | undefined;
  let browser: BrowserSession | undefined;
  let page: Page;
  let putsBefore = 0;
  const snapshot = async (view = "full"): Promise<Snapshot> => (await fetch(`${dash!.url}/api/snapshot?view=${view}`)).json() as Promise<Snapshot>;
  const putCount = async () => Number(await page.locator('[data-testid="op-row"][data-op="put"]').getAttribute("data-count"));

  before(async () => {
    ensureBuilt();
    fleet = await startFleet(PEERS, 90_000, 600_000);
    dash = await startDashboard({ FLEET_URL: fleet.url, FLEET_TOKEN: fleet.token });
    const peers = await waitFor(`${PEERS} peers up`, async () => {
      const s = await snapshot();
      return s.peers.filter((p) => p.status === "up").length === PEERS ? s.peers : undefined;
    }, 60_000, 500);
    // Writes through every peer, so every peer's counters hold some of the puts.
    await mapWithConcurrency(Array.from({ length: KEYS }, (_, i) => i), 6, (i) =>
      nodeClient(peers[i % PEERS]!.httpAddress).put({ key: `polish-${i}`, value: `v${i}` }));
    await waitFor(`${KEYS} healthy records`, async () => ((await snapshot()).replication.healthy === KEYS ? true : undefined), 60_000, 500);
    browser = await launchBrowser();
    page = browser.page;
    page.setDefaultTimeout(30_000);
  });

  after(async () => {
    await browser?.stop();
    await dash?.stop();
    await fleet?.stop();
  });

  test("each page polls only its slice of the snapshot", async (t) => {
    const sizes: Record<string, number> = {};
    for (const v of SNAPSHOT_VIEWS) sizes[v] = (await (await fetch(`${dash!.url}/api/snapshot?view=${v}`)).arrayBuffer()).byteLength;
    t.diagnostic(`bytes per poll at ${PEERS} peers / ${KEYS} keys: ${JSON.stringify(sizes)}`);
    for (const v of ["overview", "peers", "topology", "ring"]) assert.ok(sizes[v]! < sizes.full!, `${v} is smaller than the whole snapshot`);
    assert.ok(sizes.overview! < sizes.full! / 4 && sizes.peers! < sizes.full! / 4, "lists of peers leave out routing tables and records");
    // The pages ask for their view, not the whole snapshot.
    const asked: string[] = [];
    page.on("request", (r) => { if (r.url().includes("/api/snapshot")) asked.push(new URL(r.url()).search); });
    for (const [path, view] of [["/", "overview"], ["/topology", "topology"], ["/ring", "ring"], ["/files", "peers"], ["/fleet", "peers"]] as const) {
      asked.length = 0;
      await page.goto(`${dash!.url}${path}`);
      await waitFor(`${path} to poll`, () => (asked.length ? true : undefined));
      // The header polls the same slice as the page: one request a second, nothing asks for the whole snapshot.
      await page.waitForTimeout(1500);
      assert.deepEqual([...new Set(asked)], [`?view=${view}`], `${path} polls its view`);
    }
  });

  test("a large fleet's topology draws only the selected peer's links, with a toggle; outlines mean state", async () => {
    await page.goto(`${dash!.url}/topology?largeFleet=8`);
    await page.locator('[data-testid="topo-node"][data-status="up"]').nth(PEERS - 1).waitFor();
    await page.locator('[data-testid="topo-link-mode"][data-mode="selected"]').waitFor();
    assert.equal(await page.getByTestId("topo-edge").count(), 0, "no links before a peer is selected");
    const snap = await snapshot("topology");
    const victim = snap.peers[0]!;
    await page.locator(`[data-testid="topo-node"][data-id="${victim.id}"]`).click();
    const own = snap.peers.reduce((n, p) => n + p.links.filter((l) => (p.id === victim.id ? l !== p.id : l === victim.id)).length, 0);
    await waitFor("the selected peer's links", async () => ((await page.getByTestId("topo-edge").count()) === own ? true : undefined), 5000);
    await page.waitForTimeout(300);
    await screenshot(page, "polish-1-topology-selected");
    await page.getByTestId("topo-links-all").click();
    assert.ok((await page.getByTestId("topo-edge").count()) > own, "All draws every link");
    // Every live peer's outline is the legend's "up" outline: no identity hue that reads as down.
    const outlines = await page.locator('[data-testid="topo-node"][data-status="up"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-outline")));
    assert.deepEqual([...new Set(outlines)], ["#475569"]);
  });

  test("killing peers does not make the op totals go down, and the page says why", async () => {
    await page.goto(`${dash!.url}/`);
    await page.locator('[data-testid="op-row"][data-op="put"]').waitFor();
    putsBefore = await waitFor("every put counted", async () => { const n = await putCount(); return n >= KEYS ? n : undefined; }, 20_000);
    const api = fleetClient(fleet!.url, fleet!.token);
    const names = (await api.listPeers({})).peers.map((p) => p.name).sort().slice(0, 2);
    for (const peer of names) await api.killPeer({ peer });
    await waitFor("2 peers down", async () => ((await snapshot("peers")).peers.filter((p) => p.status === "down").length === 2 ? true : undefined), 30_000, 500);
    // The page polls on its own clock: wait for the poll that sees both kills.
    await waitFor("the note on 2 down peers", async () => (/2 down peers/.test(await page.getByTestId("ops-down-note").innerText()) ? true : undefined), 15_000);
    assert.ok((await putCount()) >= putsBefore, `puts went from ${putsBefore} to ${await putCount()}`);
    await screenshot(page, "polish-2-overview-after-kill");
  });

  test("the ring draws under-replicated and unavailable bins in the legend's colours", async () => {
    const snap = await snapshot("ring");
    assert.ok(snap.replication.underReplicated > 0, "the kills left records under-replicated");
    await page.goto(`${dash!.url}/ring`);
    await page.locator('[data-testid="ring-bin-problem"]').first().waitFor();
    const bins = await page.locator('[data-testid="ring-bin-problem"]').evaluateAll((els) => els.map((e) => [e.getAttribute("data-status"), e.getAttribute("fill")]));
    const legend = await page.getByTestId("ring-legend").locator("[data-status]").evaluateAll((els) => Object.fromEntries(els.map((e) => [e.getAttribute("data-status"), (e as HTMLElement).style.background])));
    assert.equal(legend.under, "rgb(245, 158, 11)");
    for (const [status, fill] of bins) assert.equal(fill, stateColor[status as "under" | "unavailable"], `${status} bin drawn in its legend colour`);
    if (snap.replication.unavailable === 0) assert.ok(!bins.some(([s]) => s === "unavailable"), "no unavailable-red bins while no record is unavailable");
    assert.ok(bins.some(([s]) => s === "under"));
    await screenshot(page, "polish-3-ring-under-replicated");
  });

  test("ring labels never overlap; a hidden label shows on hover", async () => {
    const peers = await page.locator('[data-testid="ring-peer"]').evaluateAll((els) => els.map((e) => ({ pos: Number(e.getAttribute("data-pos")), label: e.getAttribute("data-label") === "true", name: e.getAttribute("data-name") })));
    const shown = peers.filter((p) => p.label);
    const gap = minLabelGap(12, 318);
    for (const a of shown) for (const b of shown) if (a !== b) assert.ok(ringGap(a.pos, b.pos) >= gap, `labels of ${a.name} and ${b.name} overlap`);
    assert.equal(await page.getByTestId("ring-label").count(), shown.length);
    const hidden = peers.find((p) => !p.label);
    if (hidden) {
      // Its dot can sit under a neighbour's: dispatch the hover to it rather than move the mouse.
      await page.locator(`[data-testid="ring-peer"][data-name="${hidden.name}"]`).dispatchEvent("mouseover");
      await page.locator(`[data-testid="ring-peer"][data-name="${hidden.name}"][data-label="true"]`).waitFor();
    }
  });
});
