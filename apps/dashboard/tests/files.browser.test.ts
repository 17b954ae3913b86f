/**
 * The Files page end to end: a file uploaded from the page through a real peer of a
 * real fleet appears in the network-wide list, and its download through the page's button
 * shows bytes received of the total while it runs and is byte-identical. Screenshots go to apps/dashboard/test-results/files-*.png.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { launchBrowser, screenshot, startDashboard, waitFor, type BrowserSession, type Dashboard } from "./harness";
import { fleetBuilt, startFleet, type Fleet } from "./fleet";

const PEERS = 4;
const MiB = 1 << 20;
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

const skip = fleetBuilt() ? false : "apps/peer and apps/fleet are not built (npm run build)";

describe("Files page in a browser against a real fleet", { skip, timeout: 300_000 }, () => {
  let fleet: Fleet | undefined;
  let dash: Dashboard | undefined;
  let browser: BrowserSession | undefined;
  let page: Page;
  // 2.5 MiB: three chunks, the last one short, so chunk boundaries are crossed.
  const bytes = randomBytes(2 * MiB + MiB / 2);
  const name = `browser-${process.pid}.bin`;

  before(async () => {
    // The dashboard test builds the bundle when it is stale; this one expects it built (npm run build -w @p2p/dashboard).
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

  test("upload from the page, see it listed with its chunk map, download the same bytes", async () => {
    await page.goto(`${dash!.url}/files`);
    await page.getByTestId("files-upload").waitFor();
    await waitFor("a peer to upload through", async () => ((await page.getByTestId("files-via").inputValue()) ? true : undefined), 30_000);
    await screenshot(page, "files-1-empty");

    await page.getByTestId("files-input").setInputFiles({ name, mimeType: "application/octet-stream", buffer: bytes });
    await page.getByTestId("files-upload").click();
    const message = page.getByTestId("files-message");
    await message.waitFor();
    await waitFor("the upload to finish", async () => {
      const text = await message.innerText();
      if (/fail/i.test(text)) throw new Error(`upload failed on the page: ${text}`);
      return /[0-9a-f]{12}/.test(text) || /stored|uploaded/i.test(text) ? text : undefined;
    }, 60_000);

    // The network-wide list picks it up (SWR refresh), with 3 chunks.
    const row = page.locator('[data-testid^="file-row-"]', { hasText: name });
    await row.waitFor({ timeout: 30_000 });
    const id = ((await row.getAttribute("data-testid")) ?? "").replace("file-row-", "");
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(await row.innerText(), /2\.5 MiB/);
    await page.getByTestId("files-chunk-table").waitFor(); // the uploaded file is selected: its chunk map shows
    await waitFor("3 chunk rows", async () => ((await page.locator('[data-testid="files-chunk-table"] tr').count()) >= 3 ? true : undefined), 30_000);
    await screenshot(page, "files-2-uploaded");

    // Download through the page's button at ~1 MB/s (Chromium's network emulation), so the
    // progress of a running download is seen; then compare bytes.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: 1_000_000, uploadThroughput: -1 });
    const downloaded = page.waitForEvent("download", { timeout: 60_000 });
    await page.getByTestId(`file-download-${id}`).click();
    const progress = page.getByTestId(`file-progress-${id}`);
    const midway = await waitFor("progress while the download runs", async () => {
      const text = await progress.innerText();
      const received = Number(await progress.getAttribute("data-received"));
      return (await progress.getAttribute("data-state")) === "running" && received > 0 && received < bytes.byteLength && / \/ 2\.5 MiB$/.test(text) ? text : undefined;
    }, 30_000, 50);
    assert.match(midway, /^[\d.]+ (B|KiB|MiB) \/ 2\.5 MiB$/);
    await screenshot(page, "files-3-downloading");
    const download = await downloaded;
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await page.locator(`[data-testid="file-progress-${id}"][data-state="done"]`).waitFor();
    assert.equal(Number(await progress.getAttribute("data-received")), bytes.byteLength);
    assert.ok(Number(await progress.getAttribute("data-updates")) > 2, "progress reported several times");
    assert.equal(download.suggestedFilename(), name);
    const path = await download.path();
    assert.ok(path, `download failed: ${await download.failure()}`);
    const got = await readFile(path);
    assert.equal(got.byteLength, bytes.byteLength);
    assert.equal(sha256(got), sha256(bytes));
    // A range through the same proxy route, as a player or resumable download asks.
    const ranged = await page.request.get(`${dash!.url}/api/files/${id}`, { headers: { range: `bytes=${MiB - 10}-${MiB + 9}` } });
    assert.equal(ranged.status(), 206);
    assert.deepEqual(Buffer.from(await ranged.body()), bytes.subarray(MiB - 10, MiB + 10));
    await screenshot(page, "files-4-downloaded");
  });
});
