// A spawn of many peers starts them in parallel but never more than spawnConcurrency at once,
// and still gives each its own ports and data dir. Stand-in peers (no DHT) keep it quick.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, test } from "node:test";
import { Fleet } from "./fleet.js";

const standIn = fileURLToPath(new URL("./fixtures/slow-stand-in.js", import.meta.url));

test("spawn keeps at most spawnConcurrency peers starting, each with distinct ports and data dir", async () => {
  const dir = await mkdtemp(join(tmpdir(), "fleet-spawn-"));
  const spawnLog = join(dir, "spawn.log");
  process.env.SPAWN_LOG = spawnLog;
  const fleet = await Fleet.open({ dir: join(dir, "fleet"), peerMain: standIn, spawnConcurrency: 3 });
  after(async () => {
    await fleet.close();
    delete process.env.SPAWN_LOG;
    await rm(dir, { recursive: true, force: true });
  });

  const peers = await fleet.spawn(10, {});
  assert.equal(peers.length, 10);
  const distinct = (values: string[]) => assert.equal(new Set(values).size, values.length, values.join(" "));
  distinct(peers.map((p) => p.dataDir));
  distinct(peers.map((p) => p.httpAddress));
  distinct(peers.map((p) => p.grpcAddress));
  distinct(peers.flatMap((p) => [p.httpAddress, p.grpcAddress]).map((a) => a.split(":").pop()!));

  // Replay the starts: the first starts alone (the rest join it), then never more than 3 at once, and more than 1.
  const events = (await readFile(spawnLog, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { t: string; at: number });
  events.sort((a, b) => a.at - b.at || (a.t === "started" ? -1 : 1));
  let starting = 0;
  let most = 0;
  for (const e of events) {
    starting += e.t === "start" ? 1 : -1;
    most = Math.max(most, starting);
  }
  assert.equal(events.filter((e) => e.t === "start").length, 10);
  assert.ok(most <= 3, `${most} peers were starting at once`);
  assert.ok(most >= 2, "the spawn ran serially");
});
