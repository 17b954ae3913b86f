import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadFleetState, saveFleetState, type FleetState } from "./state-file.js";

const dir = await mkdtemp(join(tmpdir(), "fleet-state-"));
after(() => rm(dir, { recursive: true, force: true }));

const state: FleetState = {
  version: 1,
  nextIndex: 1,
  controllerPid: 123,
  peers: [{
    name: "peer-0", dataDir: "peers/peer-0", id: "ab".repeat(32), httpAddress: "127.0.0.1:1", grpcAddress: "127.0.0.1:2",
    pid: 0, desired: "running", lastState: "stopped", lastExit: "code 0", restarts: 2, settings: { replicationFactor: 3 },
  }],
};

test("round trip, no temp files left", async () => {
  assert.equal(await loadFleetState(dir), undefined);
  await saveFleetState(dir, state);
  await saveFleetState(dir, { ...state, nextIndex: 2 });
  assert.deepEqual(await loadFleetState(dir), { ...state, nextIndex: 2 });
  assert.deepEqual(await readdir(dir), ["fleet.json"]);
});

test("a damaged file is reported with the field", async () => {
  await writeFile(join(dir, "fleet.json"), JSON.stringify({ ...state, peers: [{ ...state.peers[0], desired: "maybe" }] }));
  await assert.rejects(loadFleetState(dir), /peers\.0\.desired/);
  await writeFile(join(dir, "fleet.json"), "{");
  await assert.rejects(loadFleetState(dir), /not valid JSON/);
});
