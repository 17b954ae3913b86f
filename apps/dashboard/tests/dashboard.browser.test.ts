/**
 * The dashboard end to end: the production build against a real fleet controller running
 * real peers, driven through Debian's Chromium: every view a user opens and every action they
 * take (spawn, stop, kill, put, get, lookup trace). Every view is saved as a screenshot under apps/dashboard/test-results/.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { ensureBuilt, launchBrowser, screenshot, startDashboard, waitFor, type BrowserSession, type Dashboard } from "./harness";
import { fleetBuilt, startFleet, type Fleet } from "./fleet";
import type { Snapshot } from "../lib/snapshot-types";
import type { DataResult } from "../lib/data-types";
import { adminClient, nodeClient } from "@p2p/launcher";
import { generateOwnerKey, parseOwnerKey, signOwned } from "@p2p/dht";

const PEERS = 5;
const KEY = `browser-test-${process.pid}`;
const VALUE = "hello from the dashboard";

const skip = fleetBuilt() ? false : "apps/peer and apps/fleet are not built (npm run build)";

describe("dashboard in a browser against a real fleet", { skip, timeout: 600_000 }, () => {
  let fleet: Fleet | undefined;
  let dash: Dashboard | undefined;
  let browser: BrowserSession | undefined;
  let page: Page;
  let put: DataResult;
  let killed: { id: string; name: string };

  const snapshot = async (): Promise<Snapshot> => (await fetch(`${dash!.url}/api/snapshot`)).json() as Promise<Snapshot>;
  /** Waits until `selector` matches exactly/at least `count` elements on the page. */
  const waitCount = (selector: string, count: number, timeoutMs = 30_000) =>
    waitFor(`${count} × ${selector}`, async () => ((await page.locator(selector).count()) >= count ? true : undefined), timeoutMs);

  before(async () => {
    ensureBuilt();
    // Repair only when the test asks for it (NodeService.Repair), so the degraded state after a
    // kill lasts until it has been seen.
    fleet = await startFleet(PEERS, 60_000, 600_000);
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

  test("the overview shows the fleet's peers", async () => {
    await page.goto(`${dash!.url}/`);
    await waitCount('[data-testid="peer-row"][data-status="up"]', PEERS);
    assert.equal(await page.locator('[data-testid="peer-row"]').count(), PEERS);
    assert.match(await page.getByTestId("stat-peers").innerText(), new RegExp(`${PEERS}\\s*/\\s*${PEERS}`));
    await waitFor("the healthy verdict", async () => ((await page.getByTestId("verdict").innerText()) === "healthy" ? true : undefined));
    await screenshot(page, "1-overview");
  });

  test("spawning a peer from the UI adds it to the topology and the ring", async () => {
    await page.goto(`${dash!.url}/fleet`);
    await page.getByTestId("spawn-count").fill("1");
    await page.getByTestId("spawn").click();
    await page.locator('[data-testid="outcome"][data-ok="true"]', { hasText: "spawned" }).waitFor({ timeout: 60_000 });
    const name = /spawned (\S+)/.exec(await page.getByTestId("outcome").innerText())![1]!;
    await screenshot(page, "2-fleet-spawned");

    await page.getByTestId("nav-topology").click();
    await page.locator(`[data-testid="topo-node"][data-name="${name}"][data-status="up"]`).waitFor();
    await waitCount('[data-testid="topo-node"][data-status="up"]', PEERS + 1);
    assert.ok((await page.getByTestId("topo-edge").count()) > 0, "routing-table links drawn");
    await page.waitForTimeout(300); // let the layout settle for the picture
    await screenshot(page, "3-topology");

    await page.getByTestId("nav-ring").click();
    await page.locator(`[data-testid="ring-peer"][data-name="${name}"][data-status="up"]`).waitFor();
    assert.equal(await page.locator('[data-testid="ring-peer"]').count(), PEERS + 1);
    await page.locator(`[data-testid="ring-peer"][data-name="${name}"] circle`).last().click();
    await page.getByTestId("peer-summary").waitFor();
    await screenshot(page, "4-ring");
  });

  test("storing a key from the UI shows its R holders; reading it through another peer shows the lookup path", async () => {
    await page.goto(`${dash!.url}/data`);
    const live = (await snapshot()).peers.filter((p) => p.status === "up");
    const [writer, reader] = [live[0]!, live[live.length - 1]!];
    await page.getByTestId("data-peer").selectOption(writer.id);
    await page.getByTestId("data-key").fill(KEY);
    await page.getByTestId("data-value").fill(VALUE);
    const putResponse = page.waitForResponse((r) => r.url().endsWith("/api/data"));
    await page.getByTestId("data-put").click();
    put = (await (await putResponse).json()) as DataResult;
    await page.locator('[data-testid="data-result"][data-op="put"]').waitFor();
    const r = (await snapshot()).replication.replicationFactor;
    assert.equal(await page.getByTestId("replica-row").count(), r, "R replica holders listed");
    assert.ok((await page.locator('[data-testid="replica-row"][data-ok="true"]').count()) >= 2, "at least W acknowledged");
    // The aggregated view finds the record on its R holders.
    await page.locator(`[data-testid="record-row"][data-key="${KEY}"][data-status="healthy"]`).waitFor();
    await screenshot(page, "5-data-put");

    await page.getByTestId("data-peer").selectOption(reader.id);
    await page.getByTestId("data-get").click();
    await page.locator('[data-testid="data-result"][data-op="get"]').waitFor();
    assert.equal(await page.getByTestId("result-value").innerText(), VALUE);
    assert.ok((await page.getByTestId("trace-step").count()) >= 1, "lookup path has steps");
    await page.getByTestId("ring-trace").waitFor();
    await screenshot(page, "6-data-get-trace");
  });

  test("owned records: listed with owner, seq and a verified badge; read by public key and name", async () => {
    const live = (await snapshot()).peers.filter((p) => p.status === "up");
    const key = parseOwnerKey(generateOwnerKey().privateKeyPem);
    const e = signOwned(key, { salt: new TextEncoder().encode("profile"), seq: 3, value: new TextEncoder().encode("signed hello") });
    const owner = Buffer.from(e.publicKey).toString("hex");
    const res = await fetch(`http://${live[0]!.httpAddress}/owned`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ public_key: owner, salt: "profile", seq: 3, signature: Buffer.from(e.signature).toString("hex"), value: "signed hello" }),
    });
    assert.equal(res.status, 200, await res.text());
    await page.goto(`${dash!.url}/data`);
    // Every live peer but one holds it (R of them); pick a holder so the listing shows it.
    let listed = false;
    for (const p of live) {
      await page.getByTestId("data-peer").selectOption(p.id);
      const rows = await (await fetch(`${dash!.url}/api/owned?peer=${p.id}`)).json() as { records: { owner: string }[] };
      if (!rows.records.some((r) => r.owner === owner)) continue;
      await page.locator('[data-testid="owned-row"][data-verified="true"]').first().waitFor();
      listed = true;
      break;
    }
    assert.ok(listed, "a replica holder lists the owned record");
    await page.getByTestId("owned-owner").fill(owner);
    await page.getByTestId("owned-salt").fill("profile");
    await page.getByTestId("owned-read").click();
    await page.getByTestId("owned-result").waitFor();
    assert.equal(await page.getByTestId("owned-seq").innerText(), "3");
    assert.equal(await page.getByTestId("owned-value").innerText(), "signed hello");
    await page.getByTestId("owned-verified").first().waitFor();
    await screenshot(page, "6b-data-owned");
  });

  test("killing a replica holder from the UI marks it down and the record under-replicated", async () => {
    const snap = await snapshot();
    const holderIds = put.replicas.filter((x) => x.ok).map((x) => x.id);
    const victim = snap.peers.find((p) => holderIds.includes(p.id) && p.name)!;
    assert.ok(victim, "a replica holder managed by the fleet");
    killed = { id: victim.id, name: victim.name! };
    await page.goto(`${dash!.url}/peers/${victim.id}`);
    // Peers talk TLS by default, and the peer page says so (plaintext would be shouted).
    await page.getByText("TLS · open network").waitFor();
    await page.getByTestId("action-kill").click();
    await page.getByTestId("confirm").click();
    await page.locator('[data-testid="outcome"][data-ok="true"]').waitFor();
    await page.locator('[data-testid="peer-detail"][data-status="down"]').waitFor();
    await screenshot(page, "7-peer-killed");

    await page.getByTestId("nav-data").click();
    await page.locator(`[data-testid="record-row"][data-key="${KEY}"][data-status="under"]`).waitFor();
    await page.getByTestId("nav-overview").click();
    await page.locator(`[data-testid="peer-row"][data-id="${victim.id}"][data-status="down"]`).waitFor();
    assert.notEqual(await page.getByTestId("verdict").innerText(), "healthy");
    await screenshot(page, "8-overview-degraded");
    await page.getByTestId("nav-ring").click();
    await page.locator(`[data-testid="ring-record"][data-key="${KEY}"][data-status="under"]`).click();
    await page.getByTestId("record-summary").waitFor();
    await screenshot(page, "9-ring-under-replicated");
  });

  test("the record is healthy again after repair", async () => {
    // A repair round on every live peer: the survivors find the dead holder (failed digest,
    // then pings), evict it, and restore R copies on the next closest peer.
    // A dead contact is evicted after a few failed calls, so it may take a few rounds.
    const live = (await snapshot()).peers.filter((p) => p.status === "up" && p.httpAddress);
    await waitFor("repair rounds to restore R copies", async () => {
      await Promise.all(live.map((p) => adminClient(p.httpAddress).repair({})));
      const r = await fetch(`${dash!.url}/api/records?q=${encodeURIComponent(KEY)}`).then((x) => x.json()) as { records: { key: string; status: string }[] };
      return r.records.find((x) => x.key === KEY)?.status === "healthy" ? true : undefined;
    }, 60_000, 1000);
    await page.getByTestId("nav-data").click();
    await page.locator(`[data-testid="record-row"][data-key="${KEY}"][data-status="healthy"]`).waitFor({ timeout: 60_000 });
    await page.getByTestId("nav-overview").click();
    await waitFor("the healthy verdict", async () => ((await page.getByTestId("verdict").innerText()) === "healthy" ? true : undefined), 60_000);
    await screenshot(page, "10-overview-healed");
  });

  test("the killed peer restarts from the UI with its ID", async () => {
    await page.goto(`${dash!.url}/peers/${killed.id}`);
    await page.getByTestId("action-restart").click();
    await page.getByTestId("confirm").click();
    await page.locator('[data-testid="peer-detail"][data-status="up"]').waitFor({ timeout: 60_000 });
    await screenshot(page, "11-peer-restarted");
  });
});
