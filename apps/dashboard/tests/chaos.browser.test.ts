/**
 * The Chaos page end to end, against a real fleet: a short run started from the form (few
 * seconds, few keys, so the test stays fast) shows live op counters and fault windows while it
 * goes, then its verdict; the page agrees with the controller's own API. Whether the network
 * passed is the network's business: the page must show the verdict, whichever it is.
 * Screenshots: apps/dashboard/test-results/chaos-*.png.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { ChaosRunState } from "@p2p/proto/fleet";
import { screenshot, waitFor, type Dashboard } from "./harness";
import { fleetBuilt, startFleetStack, type FleetStack } from "./fleet";
import type { FleetClient } from "../lib/clients";

const PEERS = 5;
const SEED = 4242;
const SECONDS = 6;

const skip = fleetBuilt() ? false : "apps/peer and apps/fleet are not built (npm run build)";

describe("Chaos page in a browser against a real fleet", { skip, timeout: 400_000 }, () => {
  let dash: Dashboard | undefined;
  let stack: FleetStack | undefined;
  let page: Page;
  let api: FleetClient;

  before(async () => {
    stack = await startFleetStack(PEERS);
    ({ dash, page, api } = stack);
  });

  after(() => stack?.stop());

  test("a bad form value is refused with the field named; nothing starts", async () => {
    await page.goto(`${dash!.url}/`);
    await page.getByTestId("nav-chaos").click();
    await page.getByText("No chaos run yet").waitFor();
    await page.getByTestId("chaos-seconds").fill("2");
    await page.getByTestId("chaos-start").click();
    await page.locator('[data-testid="chaos-outcome"][data-ok="false"]', { hasText: "seconds: must be from 5 to 3600" }).waitFor();
    assert.equal((await api.listChaosRuns({})).runs.length, 0);
  });

  test("a short run started from the page shows its progress, fault windows and verdict", async (t) => {
    await page.getByTestId("chaos-seed").fill(String(SEED));
    await page.getByTestId("chaos-seconds").fill(String(SECONDS));
    await page.getByTestId("chaos-clients").fill("3");
    await page.getByTestId("chaos-keys").fill("5");
    // Every kind but kill, whose restart would make the run longer than this test needs.
    await page.getByTestId("chaos-kind-kill").uncheck();
    await page.getByTestId("chaos-start").click();
    await page.locator('[data-testid="chaos-outcome"][data-ok="true"]', { hasText: "started run" }).waitFor();
    const runEl = page.getByTestId("chaos-run");
    await runEl.and(page.locator('[data-state="running"]')).waitFor();
    const id = (await runEl.getAttribute("data-id"))!;
    assert.match(id, new RegExp(`seed-${SEED}$`));
    assert.equal(await page.getByTestId("chaos-stop").isVisible(), true, "Stop while running");
    assert.equal(await page.getByTestId("chaos-start").isDisabled(), true, "one run at a time");

    // Live: the op counter moves and a fault window appears while the load runs.
    const ops = async () => Number((await page.getByTestId("chaos-ops").locator("div").nth(1).innerText()).replace(/k$/, "e3"));
    const first = await waitFor("operations counted", async () => { const n = await ops(); return n > 0 ? n : undefined; }, 10_000, 250);
    await waitFor("the counter to move", async () => ((await ops()) > first ? true : undefined), 10_000, 250);
    await page.getByTestId("timeline-bar").first().waitFor({ timeout: 15_000 });
    await screenshot(page, "chaos-1-running");

    // The verdict, whichever it is.
    const verdict = page.getByTestId("chaos-verdict");
    await verdict.waitFor({ timeout: 240_000 });
    const state = (await verdict.getAttribute("data-state"))!;
    assert.ok(state === "passed" || state === "failed", state);
    assert.equal(await page.getByTestId("chaos-verdict-badge").innerText(), state.toUpperCase());
    assert.equal(await page.getByTestId("chaos-stop").count(), 0, "no Stop once checked");

    // The page shows what the controller says.
    const run = (await api.getChaosRun({ id })).run!;
    assert.equal(run.state, state === "passed" ? ChaosRunState.PASSED : ChaosRunState.FAILED);
    assert.equal(await page.getByTestId("chaos-anomalies").innerText(), String(run.anomalies));
    assert.equal(await page.getByTestId("chaos-stale").innerText(), String(run.staleDuringFaults));
    assert.equal(await page.getByTestId("chaos-history").innerText(), run.historyPath);
    assert.equal(await page.getByTestId("chaos-anomaly-line").count(), run.anomalyLines.length);
    assert.equal(await page.getByTestId("timeline-bar").count(), run.faults.length);
    assert.ok(run.faults.length >= 1, "at least one fault in the run");
    // Per-second counts and anomaly times come from controllers that report them.
    assert.equal(await page.getByTestId("timeline-throughput").count(), run.okPerSecond.length > 0 ? 1 : 0);
    assert.equal(await page.getByTestId("timeline-anomaly").count(), run.anomalyAtMs.length);
    assert.equal(await page.locator('[data-testid="timeline-bar"][data-kind="kill"]').count(), 0, "only the kinds asked for");
    assert.equal((await page.getByTestId("chaos-verdict-text").innerText()).trim(), run.verdict.trim());
    await page.locator(`[data-testid="chaos-run-row"][data-id="${id}"][data-state="${state}"]`).waitFor({ timeout: 5000 });
    assert.equal(await page.getByTestId("chaos-start").isDisabled(), false, "a new run can start");
    t.diagnostic(`run ${id}: ${state}, ${run.ops} ops, ${run.faults.length} faults (${run.faults.map((f) => f.kind).join(", ")}), ${run.anomalies} anomalies`);
    await screenshot(page, "chaos-2-verdict");
  });
});
