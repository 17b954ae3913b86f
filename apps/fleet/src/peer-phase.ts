/**
 * Where one fleet peer's process is in its life, as one tagged union (in the manner of
 * connect-es's http2-session-manager): a process exists exactly in the phases that carry one,
 * and "stop requested" and "killed on purpose" cannot both hold. `nextPhase` is the only place
 * that decides which changes are legal; the fleet changes a peer's phase through it alone.
 */
import type { PeerProcess } from "@p2p/launcher";

export type FleetPeerState = "starting" | "running" | "stopping" | "stopped" | "crashed";

export type PeerPhase =
  /** No process: never started, or stopped on purpose. */
  | { t: "stopped"; lastExit: string }
  /** No process: it exited without being asked (or was SIGKILLed on purpose, a simulated crash). */
  | { t: "crashed"; lastExit: string }
  /** Spawned, its ready line not seen yet. */
  | { t: "starting"; process: PeerProcess; startedAtMs: number }
  /** Ready: its ID and addresses are known. */
  | { t: "running"; process: PeerProcess; startedAtMs: number }
  /** Asked to go: "stop" (SIGTERM, a graceful leave) or "kill" (SIGKILL: it will count as crashed). */
  | { t: "stopping"; process: PeerProcess; startedAtMs: number; how: "stop" | "kill" };

/** What may follow what. An exit of the process ends every phase that has one. */
const LEGAL: Record<PeerPhase["t"], readonly PeerPhase["t"][]> = {
  stopped: ["starting"],
  crashed: ["starting"],
  starting: ["running", "stopping", "crashed"],
  running: ["stopping", "crashed"],
  // A stop that escalates to a kill stays "stopping"; the exit ends it.
  stopping: ["stopping", "stopped", "crashed"],
};

export class IllegalTransition extends Error {
  constructor(from: PeerPhase["t"], to: PeerPhase["t"]) {
    super(`a fleet peer cannot go from ${from} to ${to}`);
    this.name = "IllegalTransition";
  }
}

/** `to`, when it may follow `from`; throws IllegalTransition otherwise (a bug in the fleet, never user input). */
export function nextPhase(from: PeerPhase, to: PeerPhase): PeerPhase {
  if (!LEGAL[from.t].includes(to.t)) throw new IllegalTransition(from.t, to.t);
  // Only a start brings a new process; every later phase is about the same one, and a phase
  // without a process follows only that process's exit.
  if (to.t !== "starting" && "process" in from && "process" in to && from.process !== to.process) throw new IllegalTransition(from.t, to.t);
  if (!("process" in to) && "process" in from && from.process.exit === undefined) throw new IllegalTransition(from.t, to.t);
  return to;
}

/** The phase a process's exit leads to: stopped when it was stopped on purpose, crashed otherwise. */
export function exitPhase(from: PeerPhase, lastExit: string): PeerPhase {
  return from.t === "stopping" && from.how === "stop" ? { t: "stopped", lastExit } : { t: "crashed", lastExit };
}

/** The state the API shows. */
export function visibleState(phase: PeerPhase): FleetPeerState {
  return phase.t;
}

/** The process of a phase that has one and whose process has not exited yet. */
export function liveProcess(phase: PeerPhase): PeerProcess | undefined {
  return "process" in phase && phase.process.exit === undefined ? phase.process : undefined;
}

/** The phase to show after a controller restart, from what fleet.json last recorded. */
export function restoredPhase(lastState: FleetPeerState, lastExit: string): PeerPhase {
  return lastState === "crashed" ? { t: "crashed", lastExit } : { t: "stopped", lastExit };
}
