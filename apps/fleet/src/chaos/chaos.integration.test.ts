// A chaos run through FleetService against 7 real peers: 60 s of 8 clients writing, reading
// and deleting 40 keys while the nemesis kills and restarts, pauses, partitions (2|5, 3|4...),
// delays and skews peers; then heal, final reads and the checker's verdict: no anomaly.
// The history file is checked again by the check-history CLI, as a person would.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { defaultPeerMain, waitFor, waitForFullTables } from "@p2p/launcher";
import { ChaosRunState, type ChaosRun } from "@p2p/proto/fleet";
import { parseFleetArgs } from "../config.js";
import { startController, type FleetController } from "../controller.js";
import { fleetClient } from "../fleet-client.js";

const peerMain = process.env.P2P_PEER_MAIN ?? defaultPeerMain;
const checkHistoryCli = fileURLToPath(new URL("../../../../packages/checker/src/cli.ts", import.meta.url));
const PEERS = 7;

describe("a chaos run through the fleet controller", { timeout: 300_000 }, () => {
  let dir: string;
  let controller: FleetController | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-chaos-"));
    controller = await startController(
      parseFleetArgs([
        "--port", "0", "--dir", dir, "--peers", String(PEERS), "--peer-main", peerMain, "--stop-grace-ms", "3000",
        "--rpc-timeout-ms", "500", "--request-timeout-ms", "3000", "--repair-interval-ms", "5000", "--log-level", "warn",
      ]),
    );
    // 60 s, not the default 30: with 500 ms deadlines a loaded CI machine (a TLS handshake
    // each first call to a peer) took longer than 30 s once.
    await waitForFullTables((await client().listPeers({})).peers.map((p) => p.httpAddress), { timeoutMs: 60_000 });
  });
  after(async () => {
    await controller?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const client = () => fleetClient(controller!.url, { timeoutMs: 30_000 });

  test("bad options are INVALID_ARGUMENT naming the field; nothing runs", async () => {
    await assert.rejects(client().startChaos({ seconds: 2 }), (e: unknown) => ConnectError.from(e).code === Code.InvalidArgument && /^seconds: must be from 5/.test(ConnectError.from(e).rawMessage));
    await assert.rejects(client().getChaosRun({ id: "" }), (e: unknown) => ConnectError.from(e).code === Code.NotFound);
  });

  test("60 s of faults on 7 peers with 8 clients: the history has no anomaly", async () => {
    const started = (await client().startChaos({ seed: 20261128n, seconds: 60, clients: 8, keys: 40 })).run!;
    assert.equal(started.state, ChaosRunState.RUNNING);
    await assert.rejects(client().startChaos({ seconds: 5 }), (e: unknown) => ConnectError.from(e).code === Code.FailedPrecondition);

    let run: ChaosRun | undefined;
    await waitFor(async () => {
      run = (await client().getChaosRun({ id: started.id })).run!;
      return [ChaosRunState.PASSED, ChaosRunState.FAILED, ChaosRunState.ERROR].includes(run.state);
    }, { timeoutMs: 240_000, intervalMs: 1000, what: "the chaos run's verdict" });
    assert.equal(run!.error, "");
    assert.equal(run!.state, ChaosRunState.PASSED, `${run!.anomalies} anomalies:\n${run!.anomalyLines.join("\n")}\n${run!.verdict}`);
    assert.ok(run!.ops > 1000n, `only ${run!.ops} ops`);
    assert.ok(run!.faults.length >= 6, `only ${run!.faults.length} faults`);
    // Every kind, and both a 3|4 and a 2|5 partition.
    const kinds = run!.faults.map((f) => f.kind);
    for (const kind of ["kill", "pause", "partition", "skew", "delay"]) assert.ok(kinds.includes(kind), `no ${kind} among ${kinds.join(",")}`);
    const shapes = run!.faults.filter((f) => f.kind === "partition").map((f) => f.detail.split(" | ").map((side) => side.split(",").length).sort().join("|"));
    assert.ok(shapes.includes("3|4") && shapes.includes("2|5"), `partition shapes: ${shapes.join(", ")}`);
    assert.match(run!.verdict, /^VALID: no anomalies/);
    // The per-second series the dashboard draws add up to the counters.
    assert.equal(run!.okPerSecond.reduce((a, b) => a + b, 0), Number(run!.opsOk));
    assert.equal(run!.errorsPerSecond.reduce((a, b) => a + b, 0), Number(run!.opsFailed + run!.opsUnknown));
    assert.ok(run!.okPerSecond.length >= 60, `${run!.okPerSecond.length} seconds`);

    // The same file, checked by the CLI as a person would.
    assert.ok(existsSync(run!.historyPath));
    const cli = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", checkHistoryCli, run!.historyPath], { encoding: "utf8" });
    assert.equal(cli.status, 0, cli.stderr + cli.stdout);
    assert.match(cli.stdout, /^VALID/);

    const { runs } = await client().listChaosRuns({});
    assert.deepEqual(runs.map((r) => r.id), [started.id]);
  });
});
