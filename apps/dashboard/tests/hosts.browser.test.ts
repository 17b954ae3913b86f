/**
 * The dashboard over a network of test hosts: 7 peers, each on its own network namespace and
 * address, and a dashboard with no fleet controller, given the address of one peer only
 * (DASHBOARD_PEERS, crawl mode). It must find all 7 through the routing tables and show each
 * at its own address. Screenshot: apps/dashboard/test-results/hosts-topology.png.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HostPeers } from "@p2p/fleet";
import { createTestHosts, partitionsUnavailable, type TestHosts } from "@p2p/netns";
import type { Page } from "playwright-core";
import { fleetBuilt } from "./fleet";
import { launchBrowser, screenshot, startDashboard, waitFor, type BrowserSession, type Dashboard } from "./harness";
import type { Snapshot } from "../lib/snapshot-types";

const skip = fleetBuilt() ? await partitionsUnavailable() : "apps/peer and apps/fleet are not built (npm run build)";
if (skip) console.log(`# dashboard over test hosts skipped: ${skip}`);

describe("the dashboard crawling a network of 7 test hosts from one address", { skip, timeout: 180_000 }, () => {
  let hosts: TestHosts | undefined;
  let peers: HostPeers | undefined;
  let dash: Dashboard | undefined;
  let browser: BrowserSession | undefined;
  let page: Page;

  before(async () => {
    hosts = await createTestHosts({ count: 7 });
    peers = await HostPeers.start(hosts, { args: ["--log-level", "warn"] });
    dash = await startDashboard({ DASHBOARD_PEERS: peers.peer("h1").httpAddress! });
    browser = await launchBrowser();
    page = browser.page;
  });
  after(async () => {
    await browser?.stop();
    await dash?.stop();
    await peers?.stop();
    await hosts?.destroy();
  });

  test("all 7 hosts are found and shown at their own addresses", async () => {
    const expected = hosts!.hosts.map((h) => `${h.address}:8001`).sort();
    const snap = await waitFor("the crawl to reach all 7 peers", async () => {
      const s = (await (await fetch(`${dash!.url}/api/snapshot`)).json()) as Snapshot;
      return s.peers.filter((p) => p.status === "up").length === 7 ? s : undefined;
    }, 30_000);
    assert.deepEqual(snap.peers.map((p) => p.httpAddress).sort(), expected);

    await page.goto(`${dash!.url}/topology`);
    await waitFor("7 peers up on the topology", async () => ((await page.locator('[data-testid="topo-node"][data-status="up"]').count()) === 7 ? true : undefined), 30_000);
    const labels = await page.locator('[data-testid="topo-node"] text').allTextContents();
    for (const address of expected) assert.ok(labels.includes(address), `${address} labelled on the topology (labels: ${labels.join(", ")})`);
    await screenshot(page, "hosts-topology");
  });
});
