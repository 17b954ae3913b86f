/**
 * A partition from the dashboard, end to end against a real fleet: 5 peers split 2|3 in the
 * Fleet page's Faults card, both sides shown on the topology and the ring, one key written
 * through a peer on each side from the Data page, Heal all (reached from the topology's
 * banner), then replication back to healthy: each key on its R expected peers, the verdict
 * healthy, and both keys readable through every peer, in the page and through the peers' own
 * API. Screenshots: apps/dashboard/test-results/partition-*.png.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { screenshot, waitFor, type Dashboard } from "./harness";
import { fleetBuilt, startFleetStack, type FleetStack } from "./fleet";
import { nodeClient, type FleetClient } from "../lib/clients";
import type { DataResult } from "../lib/data-types";
import type { Snapshot } from "../lib/snapshot-types";

const PEERS = 5;
const skip = fleetBuilt() ? false : "apps/peer and apps/fleet are not built (npm run build)";

describe("a partition from the dashboard: shown, written on both sides, healed, healthy again", { skip, timeout: 420_000 }, () => {
  let dash: Dashboard | undefined;
  let stack: FleetStack | undefined;
  let page: Page;
  let api: FleetClient;
  let names: string[];
  let sideA: string[];
  let sideB: string[];
  /** One key written through a peer on each side: [side A's, side B's]. */
  const writes = [
    { key: `partition-a-${process.pid}`, value: "written on side A" },
    { key: `partition-b-${process.pid}`, value: "written on side B" },
  ];

  const snapshot = async (): Promise<Snapshot> => (await fetch(`${dash!.url}/api/snapshot`)).json() as Promise<Snapshot>;
  const idOf = async (name: string) => (await api.listPeers({})).peers.find((p) => p.name === name)!.id;

  before(async () => {
    // As the fleet's own partition test does: with short peer deadlines a write on the minority
    // side waits out its calls lost across the cut well inside the request deadline (with the
    // default 2 s deadlines and 5 s request deadline it can run out under load: a 504).
    stack = await startFleetStack(PEERS, ["--rpc-timeout-ms", "400", "--request-timeout-ms", "8000"]);
    ({ dash, page, api, names } = stack);
    [sideA, sideB] = [names.slice(0, 2), names.slice(2)];
  });

  after(() => stack?.stop());

  test("partition 2|3 in the Faults card; the topology and the ring show both sides", async () => {
    await page.goto(`${dash!.url}/fleet`);
    await waitFor(`${PEERS} running peers`, async () => ((await page.locator('[data-testid="fleet-row"][data-status="up"]').count()) === PEERS ? true : undefined), 30_000);
    for (const n of sideA) await page.locator(`[data-testid="fault-row"][data-name="${n}"]`).getByTestId("side-A").click();
    await page.getByTestId("others-to-b").click();
    await page.getByTestId("partition").click();
    await page.locator('[data-testid="faults-outcome"][data-ok="true"]', { hasText: "partitioned" }).waitFor();
    for (const p of (await api.listPeers({})).peers) {
      assert.deepEqual(p.faults!.partitionedFrom, sideA.includes(p.name) ? sideB : sideA, `${p.name} cut off from the other side (controller)`);
    }
    const expected = `${sideA.join(", ")} | ${sideB.join(", ")}`;

    await page.getByTestId("nav-topology").click();
    await page.getByTestId("partition-banner").waitFor();
    assert.equal((await page.getByTestId("partition-sides").innerText()).replace(/\s+/g, " ").trim(), expected);
    for (const [letter, side] of [["A", sideA], ["B", sideB]] as const) {
      for (const n of side) await page.locator(`[data-testid="topo-node"][data-name="${n}"][data-side="${letter}"]`).waitFor();
    }
    // Routing tables still list the peers across the cut: those links are drawn as cut, and no other is.
    await waitFor("cut links drawn", async () => ((await page.locator('[data-testid="topo-edge"][data-cut="true"]').count()) > 0 ? true : undefined));
    const snap = await snapshot();
    const nameOf = new Map(snap.peers.map((p) => [p.id, p.name ?? ""]));
    const across = (a: string, b: string) => sideA.includes(nameOf.get(a)!) !== sideA.includes(nameOf.get(b)!);
    const crossLinks = snap.peers.flatMap((p) => p.links.filter((l) => nameOf.has(l) && across(p.id, l)));
    assert.ok(crossLinks.length > 0, "routing tables hold peers across the partition");
    await page.waitForTimeout(400); // let the layout settle for the picture
    await screenshot(page, "partition-1-topology");

    await page.getByTestId("nav-ring").click();
    await page.getByTestId("partition-banner").waitFor();
    assert.equal((await page.getByTestId("partition-sides").innerText()).replace(/\s+/g, " ").trim(), expected);
    for (const [letter, side] of [["A", sideA], ["B", sideB]] as const) {
      for (const n of side) await page.locator(`[data-testid="ring-peer"][data-name="${n}"][data-side="${letter}"]`).waitFor();
    }
    await screenshot(page, "partition-2-ring");
  });

  test("one key written through a peer on each side from the Data page: both succeed", async () => {
    await page.getByTestId("nav-data").click();
    for (const [i, via] of [sideA[0]!, sideB[0]!].entries()) {
      const { key, value } = writes[i]!;
      await page.getByTestId("data-peer").selectOption(await idOf(via));
      await page.getByTestId("data-key").fill(key);
      await page.getByTestId("data-value").fill(value);
      const response = page.waitForResponse((r) => r.url().endsWith("/api/data"));
      await page.getByTestId("data-put").click();
      const res = await response;
      const body = (await res.json()) as DataResult | { error: string };
      assert.equal(res.status(), 200, `put through ${via}: ${JSON.stringify(body)}`);
      assert.ok((body as DataResult).replicas.some((r) => r.ok), `put through ${via} acknowledged`);
      await page.locator('[data-testid="outcome"][data-ok="true"]', { hasText: `put "${key}" through ${via}` }).waitFor();
      await page.locator('[data-testid="data-result"][data-op="put"]').waitFor();
    }
    await screenshot(page, "partition-3-data-writes");
    // The ring shows both keys; while cut off, they need not have all their replicas.
    await page.getByTestId("nav-ring").click();
    for (const { key } of writes) await page.locator(`[data-testid="ring-record"][data-key="${key}"]`).waitFor();
    await screenshot(page, "partition-4-ring-writes");
  });

  test("Heal all from the banner's link; replication back to healthy, both keys readable through every peer", async () => {
    await page.getByTestId("nav-topology").click();
    await page.getByTestId("heal-link").click();
    await page.waitForURL(/\/fleet#faults$/);
    await page.getByTestId("heal-all").click();
    await page.locator('[data-testid="faults-outcome"][data-ok="true"]', { hasText: "healed every fault" }).waitFor();
    for (const p of (await api.listPeers({})).peers) assert.deepEqual(p.faults!.partitionedFrom, [], `${p.name} healed (controller)`);

    // Replication as the dashboard computes it: each key on exactly its R expected peers (the
    // stand-in copies made while cut off handed back), nothing under-replicated or misplaced.
    const healthy = await waitFor("both keys on exactly their R expected peers, nothing under-replicated or misplaced", async () => {
      const s = await snapshot();
      const r = s.replication;
      const ok = r.underReplicated === 0 && r.unavailable === 0 && r.misplaced === 0 && r.verdict === "healthy" && writes.every(({ key }) => {
        const rec = s.records.find((x) => x.key === key);
        return rec && rec.status === "healthy" && rec.expected.length === r.replicationFactor && [...rec.holders].sort().join() === [...rec.expected].sort().join();
      });
      return ok ? s : undefined;
    }, 90_000, 500);

    // The same in the page: the verdict, the counts, each record's state.
    await page.getByTestId("nav-overview").click();
    // The page polls: its snapshot may be a moment behind the one checked above.
    await waitFor(
      "the healthy verdict with no hand-off pending",
      async () => ((await page.getByTestId("verdict").innerText()) === "healthy" && (await page.getByText("held outside their R closest peers").count()) === 0 ? true : undefined),
      30_000,
    );
    assert.match(await page.getByTestId("replication-counts").innerText(), /^0 under-replicated · 0 unavailable$/);
    await screenshot(page, "partition-5-overview-healed");

    await page.getByTestId("nav-topology").click();
    await page.locator('[data-testid="topo-node"]').first().waitFor();
    // Each page polls its own view of the snapshot: the topology's may show its pre-heal poll for a moment.
    await waitFor(
      "no banner and no cut links once healed",
      async () => ((await page.getByTestId("partition-banner").count()) === 0 && (await page.locator('[data-testid="topo-edge"][data-cut="true"]').count()) === 0 ? true : undefined),
      15_000,
    );

    // Each key through every peer, from the Data page.
    await page.getByTestId("nav-data").click();
    for (const { key } of writes) await page.locator(`[data-testid="record-row"][data-key="${key}"][data-status="healthy"]`).waitFor();
    for (const name of names) {
      await page.getByTestId("data-peer").selectOption(await idOf(name));
      for (const { key, value } of writes) {
        await page.getByTestId("data-key").fill(key);
        const response = page.waitForResponse((r) => r.url().endsWith("/api/data"));
        await page.getByTestId("data-get").click();
        assert.equal((await response).status(), 200, `get ${key} through ${name}`);
        await page.locator('[data-testid="outcome"][data-ok="true"]', { hasText: `get "${key}" through ${name}` }).waitFor();
        assert.equal(await page.getByTestId("result-value").innerText(), value, `${key} through ${name} (page)`);
      }
    }
    await screenshot(page, "partition-6-data-read-healed");

    // And through the peers' own API: every peer reads both keys, each expected replica stores them.
    const peers = (await api.listPeers({})).peers;
    for (const p of peers) {
      for (const { key, value } of writes) {
        const r = await nodeClient(p.httpAddress).get({ key }, { timeoutMs: 10_000 });
        assert.equal(r.value, value, `${key} through ${p.name} (NodeService.Get)`);
      }
    }
    for (const { key } of writes) {
      const expected = healthy.records.find((x) => x.key === key)!.expected;
      for (const id of expected) {
        const p = peers.find((x) => x.id === id)!;
        const local = await nodeClient(p.httpAddress).localRecords({ prefix: key, pageSize: 10 }, { timeoutMs: 10_000 });
        assert.ok(local.records.some((x) => x.key === key && !x.tombstone), `${key} stored on its replica ${p.name} (NodeService.LocalRecords)`);
      }
    }
  });
});
