/** The controller's ChaosRun (protobuf, bigints) as the JSON the chaos routes answer with. */
import { ChaosRunState, type ChaosRun } from "@p2p/proto/fleet";
import type { ChaosRunView, ChaosState } from "./chaos-types";

const stateNames: Record<number, ChaosState> = {
  [ChaosRunState.RUNNING]: "running",
  [ChaosRunState.HEALING]: "healing",
  [ChaosRunState.CHECKING]: "checking",
  [ChaosRunState.PASSED]: "passed",
  [ChaosRunState.FAILED]: "failed",
  [ChaosRunState.ERROR]: "error",
};

/** `now` is the dashboard server's clock, for the elapsed time of a run still going. */
export function chaosRunView(r: ChaosRun, now = Date.now()): ChaosRunView {
  const startedAtMs = Number(r.startedAtMs);
  const endedAtMs = Number(r.endedAtMs);
  return {
    id: r.id, seed: Number(r.seed), seconds: r.seconds, clients: r.clients, keys: r.keys,
    state: stateNames[r.state] ?? "unknown",
    startedAtMs, endedAtMs,
    elapsedMs: Math.max(0, (endedAtMs || now) - startedAtMs),
    historyPath: r.historyPath,
    ops: Number(r.ops), opsOk: Number(r.opsOk), opsFailed: Number(r.opsFailed), opsUnknown: Number(r.opsUnknown),
    faults: r.faults.map((f) => ({ kind: f.kind, startMs: Number(f.startMs), endMs: Number(f.endMs), peers: [...f.peers], detail: f.detail })),
    okPerSecond: [...r.okPerSecond], errorsPerSecond: [...r.errorsPerSecond],
    anomalies: r.anomalies, anomalyLines: [...r.anomalyLines], anomalyAtMs: r.anomalyAtMs.map(Number), verdict: r.verdict, error: r.error, staleDuringFaults: r.staleDuringFaults,
  };
}
