/**
 * The Fleet page's fault controls end to end, against a real fleet: a partition built in the
 * page (two peers on one side, the rest on the other), shown on every peer and confirmed by
 * the controller's own API; a delay and a clock skew; a bad value refused with its reason;
 * Heal all; pause and resume of one peer (and its own page saying it is paused). Screenshots: apps/dashboard/test-results/faults-*.png.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { screenshot, waitFor, type Dashboard } from "./harness";
import { fleetBuilt, startFleetStack, type FleetStack } from "./fleet";
import type { FleetClient } from "../lib/clients";

const PEERS = 5;

const skip = fleetBuilt() ? false : "apps/peer and apps/fleet are not built (npm run build)";

describe("fault controls in a browser against a real fleet", { skip, timeout: 300_000 }, () => {
  let dash: Dashboard | undefined;
  let stack: FleetStack | undefined;
  let page: Page;
  let api: FleetClient;
  let names: string[];

  /** Each peer's faults as the controller reports them. */
  const faults = async () => new Map((await api.listPeers({})).peers.map((p) => [p.name, p.faults!]));
  const row = (name: string) => page.locator(`[data-testid="fault-row"][data-name="${name}"]`);
  const outcome = (ok: boolean, text: string | RegExp) => page.locator(`[data-testid="faults-outcome"][data-ok="${ok}"]`, { hasText: text }).waitFor();

  before(async () => {
    stack = await startFleetStack(PEERS);
    ({ dash, page, api, names } = stack);
  });

  after(() => stack?.stop());

  test("partition two peers from the rest in the page, see it on every peer, heal all", async () => {
    await page.goto(`${dash!.url}/fleet`);
    await waitFor(`${PEERS} running peers`, async () => ((await page.locator('[data-testid="fleet-row"][data-status="up"]').count()) === PEERS ? true : undefined), 30_000);
    assert.equal(await page.locator('[data-testid="fault-row"] [data-testid="peer-faults"][data-none="true"]').count(), PEERS, "no faults at the start");

    const [a, b] = [names.slice(0, 2), names.slice(2)];
    for (const n of a) await row(n).getByTestId("side-A").click();
    await page.getByTestId("others-to-b").click();
    assert.equal(await page.getByTestId("side-a-list").innerText(), a.join(", "));
    assert.equal(await page.getByTestId("side-b-list").innerText(), b.join(", "));
    await screenshot(page, "faults-1-partition-builder");

    await page.getByTestId("partition").click();
    await outcome(true, "partitioned");
    // The page shows what the controller reports: each side cut off from the other.
    for (const n of a) {
      await row(n).and(page.locator(`[data-partitioned="${b.length}"]`)).waitFor();
      assert.equal(await row(n).getByTestId("fault-partition").innerText(), `cut off from ${b.join(", ")}`);
    }
    for (const n of b) {
      await row(n).and(page.locator(`[data-partitioned="${a.length}"]`)).waitFor();
      assert.equal(await row(n).getByTestId("fault-partition").innerText(), `cut off from ${a.join(", ")}`);
    }
    assert.match(await page.getByTestId("partition-in-force").innerText(), new RegExp(`${a.join(", ")}\\s+\\|\\s+${b.join(", ")}`));
    const cut = await faults();
    for (const n of a) assert.deepEqual(cut.get(n)!.partitionedFrom, b);
    for (const n of b) assert.deepEqual(cut.get(n)!.partitionedFrom, a);

    // A delay and a skew on one peer through the form.
    const slow = b[0]!;
    await page.getByTestId("fault-peer").selectOption(slow);
    await page.getByTestId("fault-delay-ms").fill("150");
    await page.getByTestId("fault-skew-ms").fill("-1500");
    await page.getByTestId("fault-apply").click();
    await outcome(true, `${slow}: delay 150 ms, clock skew -1500 ms`);
    await row(slow).and(page.locator('[data-delay="150"][data-skew="-1500"]')).waitFor();
    assert.equal(await row(slow).getByTestId("fault-delay").innerText(), "delay +150 ms");
    assert.equal(await row(slow).getByTestId("fault-skew").innerText(), "clock −1.5 s");
    const set = (await faults()).get(slow)!;
    assert.equal(set.delayMs, 150);
    assert.equal(set.clockSkewMs, -1500n);
    await screenshot(page, "faults-2-partitioned");

    // A bad value is refused with the field and the reason, shown where the action was taken.
    await page.getByTestId("fault-delay-ms").fill("70000");
    await page.getByTestId("fault-apply").click();
    await outcome(false, "delayMs: at most 60000");
    // The controller's own refusal comes through with its message and a matching status.
    // page.request sends no Origin; the dashboard refuses mutations without one (CSRF), so say it.
    const sameOrigin = { origin: dash!.url };
    const unknown = await page.request.post(`${dash!.url}/api/fleet/faults`, { data: { action: "pause", peer: "peer-99" }, headers: sameOrigin });
    assert.equal(unknown.status(), 404);
    assert.match(((await unknown.json()) as { error: string }).error, /^not_found: .*peer-99/);
    const oneSide = await page.request.post(`${dash!.url}/api/fleet/faults`, { data: { action: "partition", groups: [[a[0]]] }, headers: sameOrigin });
    assert.equal(oneSide.status(), 400);
    assert.match(((await oneSide.json()) as { error: string }).error, /^groups: a partition needs at least 2 groups/);

    await page.getByTestId("heal-all").click();
    await outcome(true, "healed every fault");
    await waitFor("every peer's faults gone from the page", async () =>
      ((await page.locator('[data-testid="fault-row"] [data-testid="peer-faults"][data-none="true"]').count()) === PEERS ? true : undefined), 15_000);
    assert.equal(await page.getByTestId("partition-in-force").count(), 0);
    assert.equal(await page.getByTestId("faults-active").innerText(), "none");
    for (const [name, f] of await faults()) {
      assert.deepEqual({ partitionedFrom: f.partitionedFrom, delayMs: f.delayMs, clockSkewMs: f.clockSkewMs, paused: f.paused },
        { partitionedFrom: [], delayMs: 0, clockSkewMs: 0n, paused: false }, `${name} healed`);
    }
    await screenshot(page, "faults-3-healed");
  });

  test("pause one peer from the page, see it paused and unanswering, resume it", async () => {
    const victim = names[names.length - 1]!;
    await row(victim).getByTestId("fault-pause").click();
    await outcome(true, `paused ${victim}`);
    await row(victim).and(page.locator('[data-paused="true"]')).waitFor();
    await row(victim).getByTestId("fault-paused").waitFor();
    assert.equal((await faults()).get(victim)!.paused, true);
    // SIGSTOPped, it stops answering the dashboard's polls.
    await page.locator(`[data-testid="fleet-row"][data-name="${victim}"]:not([data-status="up"])`).waitFor({ timeout: 15_000 });
    await screenshot(page, "faults-4-paused");
    // The peer's own page says why it does not answer.
    await page.goto(`${dash!.url}/peers/${victim}`);
    await page.getByTestId("peer-detail-faults").getByTestId("fault-paused").waitFor();
    await screenshot(page, "faults-5-peer-paused");
    await page.goto(`${dash!.url}/fleet`);

    await row(victim).getByTestId("fault-resume").click();
    await outcome(true, `resumed ${victim}`);
    await row(victim).and(page.locator('[data-paused="false"]')).waitFor();
    assert.equal((await faults()).get(victim)!.paused, false);
    await page.locator(`[data-testid="fleet-row"][data-name="${victim}"][data-status="up"]`).waitFor({ timeout: 15_000 });
  });
});
