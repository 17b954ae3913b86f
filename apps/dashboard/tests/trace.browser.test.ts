/**
 * The Data page's trace waterfall end to end: a get through one peer of a real fleet draws
 * the call's spans — the coordinator's and its replicas' (fetched by GetTrace) — as a
 * waterfall. Screenshots: test-results/trace-waterfall.png (the waterfall) and
 * trace-data-page.png (the whole page).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { artifactsDir, launchBrowser, screenshot, startDashboard, waitFor, type BrowserSession, type Dashboard } from "./harness";
import { fleetBuilt, startFleet, type Fleet } from "./fleet";

const PEERS = 4;
const skip = fleetBuilt() ? false : "apps/peer and apps/fleet are not built (npm run build)";

describe("Data page trace waterfall in a browser against a real fleet", { skip, timeout: 300_000 }, () => {
  let fleet: Fleet | undefined;
  let dash: Dashboard | undefined;
  let browser: BrowserSession | undefined;
  let page: Page;

  before(async () => {
    // Expects the bundle built (npm run build -w @p2p/dashboard).
    fleet = await startFleet(PEERS);
    dash = await startDashboard({ FLEET_URL: fleet.url, FLEET_TOKEN: fleet.token });
    browser = await launchBrowser();
    page = browser.page;
    page.setDefaultTimeout(30_000);
  });

  after(async () => {
    await browser?.stop();
    await dash?.stop();
    await fleet?.stop();
  });

  test("a traced get shows a waterfall with spans from at least two peers", async () => {
    await page.goto(`${dash!.url}/data`);
    await waitFor("a peer to go through", async () => ((await page.getByTestId("data-peer").inputValue()) ? true : undefined), 30_000);
    await page.getByTestId("data-key").fill("trace:waterfall");
    await page.getByTestId("data-value").fill("drawn as a waterfall");
    await page.getByTestId("data-put").click();
    await page.locator('[data-testid="data-result"][data-op="put"]').waitFor();
    // The put's own trace is drawn too.
    await page.getByTestId("trace-waterfall").waitFor();

    await page.getByTestId("data-get").click();
    await page.locator('[data-testid="data-result"][data-op="get"]').waitFor();
    const waterfall = page.getByTestId("trace-waterfall");
    await waterfall.waitFor();
    // Replicas' spans come from GetTrace's fan-out; read repair may add some later.
    const peers = await waitFor("spans from ≥ 2 peers", async () => {
      const ids = await page.locator('[data-testid="trace-span"]').evaluateAll((rows) => rows.map((r) => r.getAttribute("data-peer")));
      const distinct = new Set(ids);
      return distinct.size >= 2 ? distinct : undefined;
    }, 20_000);
    assert.ok(peers.size >= 2);
    const names = await page.locator('[data-testid="trace-span"]').evaluateAll((rows) => rows.map((r) => r.getAttribute("data-name")));
    assert.ok(names.includes("NodeService/Get"), `request span among ${names.join(", ")}`);
    assert.ok(names.includes("get"));
    assert.ok(names.some((n) => n === "replica read" || n === "FindValue"));
    assert.ok(names.some((n) => n?.startsWith("serve ")), "a replica's server span");
    // The trace ID shown is the call's.
    assert.match(await page.getByTestId("trace-id").innerText(), /^[0-9a-f]{32}$/);

    await waterfall.scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    await waterfall.locator("xpath=ancestor::section[1]").screenshot({ path: join(artifactsDir, "trace-waterfall.png") });
    await screenshot(page, "trace-data-page");
  });
});
