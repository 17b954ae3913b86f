/** JSON shapes of the chaos routes (/api/fleet/chaos), shared with the browser. Plain data only. */

/** Fault kinds a chaos run's nemesis may inject (fleet.proto, StartChaosRequest.faults). */
export const CHAOS_FAULT_KINDS = ["kill", "pause", "partition", "skew", "delay"] as const;
export type ChaosFaultKind = (typeof CHAOS_FAULT_KINDS)[number];

/**
 * running → healing → checking → passed | failed; error when the run itself broke.
 * "unknown" for a state this dashboard does not know (a newer controller).
 */
export type ChaosState = "running" | "healing" | "checking" | "passed" | "failed" | "error" | "unknown";

/** States after which nothing changes any more. */
export function chaosFinished(state: ChaosState): boolean {
  return state === "passed" || state === "failed" || state === "error";
}

/** One fault window of a run; times in ms since the run started. */
export interface ChaosFaultView {
  kind: string;
  startMs: number;
  /** 0 while the fault lasts. */
  endMs: number;
  peers: string[];
  /** e.g. "peer-0,peer-1 | peer-2,peer-3,peer-4" or "+1500 ms". */
  detail: string;
}

export interface ChaosRunView {
  id: string;
  seed: number;
  /** Length of the load (fault) phase. */
  seconds: number;
  clients: number;
  keys: number;
  state: ChaosState;
  startedAtMs: number;
  /** 0 until the run has ended (verdict or error). */
  endedAtMs: number;
  /** How long the run has gone on, by the dashboard server's clock (final once ended). */
  elapsedMs: number;
  historyPath: string;
  ops: number;
  opsOk: number;
  opsFailed: number;
  opsUnknown: number;
  faults: ChaosFaultView[];
  /** Operations completed ok, and not ok (failed or unknown), in each second of the run; empty from older controllers. */
  okPerSecond: number[];
  errorsPerSecond: number[];
  anomalies: number;
  /** One line per anomaly (at most 50); empty in run lists. */
  anomalyLines: string[];
  /** When the operation behind each anomaly line began (ms since the run started), line by line. */
  anomalyAtMs: number[];
  /** The checker's verdict as text once checked; empty in run lists. */
  verdict: string;
  error: string;
  staleDuringFaults: number;
}

/** GET /api/fleet/chaos: the run asked for, or the latest; null when the controller has none yet. */
export interface ChaosRunResponse {
  run: ChaosRunView | null;
}

/** GET /api/fleet/chaos/runs: every run the controller remembers, newest first. */
export interface ChaosRunsResponse {
  runs: ChaosRunView[];
}
