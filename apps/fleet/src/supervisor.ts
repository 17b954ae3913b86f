/**
 * Supervision of the fleet's peer processes: launching one (bootstrapped from running peers, on
 * its previous ports when they are free), following it to ready or to its exit, stopping and
 * killing it, and stopping a peer left over by a crashed controller. Every change of a peer's
 * phase goes through `setPhase`, which also keeps its persisted record in step.
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import {
  describeExit, isAddressInUse, isAlive, isPeerOf, LineRing, startPeer, waitFor, type PeerExit, type PeerProcess,
} from "@p2p/launcher";
import { freePortFrom, portOf, wantedPort, type PortBases } from "./port-plan.js";
import { exitPhase, liveProcess, nextPhase, type PeerPhase } from "./peer-phase.js";
import { peerSettingArgs } from "./peer-settings.js";
import type { PeerRecord } from "./state-file.js";

/** One peer of the fleet: what is saved of it, where its process is, its log lines. */
export interface Slot {
  record: PeerRecord;
  phase: PeerPhase;
  logs: LineRing;
  /** Serialises stop/restart/remove of this peer. */
  lock: Promise<void>;
}

export interface SupervisorOptions {
  /** Fleet directory (absolute). */
  dir: string;
  peerHost: string;
  peerMain?: string;
  /** Node flags of every peer; absent: the launcher's default. */
  nodeArgs?: readonly string[];
  readyTimeoutMs: number;
  stopGraceMs: number;
  logger?: Logger;
  /** Called after every change worth saving. */
  save: () => void;
  /** gRPC addresses of running peers other than `except`, to bootstrap from. */
  runningAddresses: (except: Slot) => string[];
  /** Ports peer-0 asks for; peer-N asks for base+N (0: the OS picks). */
  portBases: PortBases;
  /** Ports the fleet's other peers hold or will ask for (see PeerRegistry.portsInUse). */
  portsInUse: (except: Slot) => Set<number>;
  /** True once the fleet is closing: no more launches. */
  closing: () => boolean;
  /** Start peers with --fault-injection, so the controller can partition, delay and skew them. */
  faultInjection: boolean;
  /** A launched process is running (the controller re-sends its faults). */
  onRunning?: (slot: Slot) => void;
}

/** Bootstrap contacts given to a new peer: enough to survive one being down, few enough to stay cheap. */
const BOOTSTRAP_FANOUT = 3;

export class Supervisor {
  readonly #o: SupervisorOptions;
  /** Ports picked for launches not yet ready: two peers started together never pick the same. */
  readonly #claimed = new Set<number>();
  /** Serialises port picking (the free-port checks are asynchronous). */
  #picking: Promise<unknown> = Promise.resolve();

  constructor(options: SupervisorOptions) {
    this.#o = options;
  }

  dataDir(slot: Slot): string {
    return join(this.#o.dir, slot.record.dataDir);
  }

  /** The one place a peer's phase changes: checked, mirrored into its record, saved. */
  setPhase(slot: Slot, to: PeerPhase): void {
    const from = slot.phase.t;
    slot.phase = nextPhase(slot.phase, to);
    this.#o.logger?.debug({ peer: slot.record.name, from, to: to.t }, "peer phase");
    const r = slot.record;
    r.lastState = to.t;
    r.pid = liveProcess(to)?.pid ?? 0;
    if (to.t === "stopped" || to.t === "crashed") r.lastExit = to.lastExit;
    this.#o.save();
  }

  /**
   * Starts the slot's process and waits until it is ready or has failed (then it is "crashed"
   * with its log lines kept). A restarted peer asks for its previous ports, so addresses other
   * peers hold stay valid; a port taken meanwhile means another one, never a failed start.
   */
  async launch(slot: Slot): Promise<void> {
    if (this.#o.closing()) return;
    const bootstrap = sample(this.#o.runningAddresses(slot), BOOTSTRAP_FANOUT);
    const picked = await this.#pickPorts(slot);
    try {
      await this.#launchOn(slot, bootstrap, picked.httpPort, picked.grpcPort);
    } finally {
      this.#claimed.delete(picked.httpPort);
      this.#claimed.delete(picked.grpcPort);
    }
  }

  /**
   * The slot's ports (see port-plan.ts), claimed until its launch ends. A port that had to move
   * is logged, so the user knows why peer-2 is not on 8003.
   */
  #pickPorts(slot: Slot): Promise<{ httpPort: number; grpcPort: number }> {
    const pick = async () => {
      const host = this.#o.peerHost;
      const name = slot.record.name;
      const inUse = new Set([...this.#o.portsInUse(slot), ...this.#claimed]);
      const wantHttp = wantedPort(name, portOf(slot.record.httpAddress), this.#o.portBases.http);
      const httpPort = await freePortFrom(host, wantHttp, inUse);
      inUse.add(httpPort);
      const wantGrpc = wantedPort(name, portOf(slot.record.grpcAddress), this.#o.portBases.grpc);
      const grpcPort = await freePortFrom(host, wantGrpc, inUse);
      for (const [what, wanted, got] of [["HTTP", wantHttp, httpPort], ["gRPC", wantGrpc, grpcPort]] as const) {
        if (wanted && got !== wanted) {
          this.#o.logger?.warn({ peer: name, wanted, port: got || "any" }, `${what} port ${wanted} is taken; using ${got || "one the OS picks"}`);
        }
      }
      if (httpPort) this.#claimed.add(httpPort);
      if (grpcPort) this.#claimed.add(grpcPort);
      return { httpPort, grpcPort };
    };
    const result = this.#picking.then(pick);
    this.#picking = result.catch(() => {});
    return result;
  }

  async #launchOn(slot: Slot, bootstrap: string[], httpPort: number, grpcPort: number): Promise<void> {
    const host = this.#o.peerHost;
    for (let attempt = 0; ; attempt++) {
      const peerMain = slot.record.peerMain ?? this.#o.peerMain;
      const proc = startPeer({
        ...(peerMain ? { peerMain } : {}),
        ...(this.#o.nodeArgs ? { nodeArgs: this.#o.nodeArgs } : {}),
        dataDir: this.dataDir(slot),
        host,
        httpPort,
        grpcPort,
        bootstrap,
        args: [...peerSettingArgs(slot.record.settings), ...(this.#o.faultInjection ? ["--fault-injection"] : [])],
        readyTimeoutMs: this.#o.readyTimeoutMs,
        logs: slot.logs,
        maxLineChars: 4096,
      });
      this.setPhase(slot, { t: "starting", process: proc, startedAtMs: proc.startedAt });
      void proc.exited.then((exit) => this.#onExit(slot, proc, exit));
      try {
        const info = await proc.ready;
        if (slot.record.id && slot.record.id !== info.id) {
          this.#o.logger?.warn({ peer: slot.record.name, was: slot.record.id, now: info.id }, "peer came back with a different ID");
        }
        Object.assign(slot.record, { id: info.id, httpAddress: info.httpAddress, grpcAddress: info.grpcAddress });
        // Unless a stop or kill came first (it then owns the phase until the exit).
        if (slot.phase.t === "starting" && slot.phase.process === proc) {
          this.setPhase(slot, { t: "running", process: proc, startedAtMs: proc.startedAt });
          this.#o.onRunning?.(slot);
        }
        this.#o.logger?.info({ peer: slot.record.name, id: info.id, pid: proc.pid, httpAddress: info.httpAddress }, "peer running");
        return;
      } catch (err) {
        await proc.exited;
        // A stop or kill sets the desired state before it acts; the phase is already past it here.
        const askedToGo = slot.record.desired === "stopped" || this.#o.closing();
        if (attempt === 0 && (httpPort || grpcPort) && isAddressInUse(proc.logs(20)) && !askedToGo) {
          httpPort = 0;
          grpcPort = 0;
          continue;
        }
        this.#o.logger?.warn({ peer: slot.record.name, err: (err as Error).message.split("\n")[0] }, "peer failed to start");
        return;
      }
    }
  }

  /** SIGTERM and wait (SIGKILL after the grace): the peer hands off its records. */
  async stop(slot: Slot): Promise<void> {
    const proc = liveProcess(slot.phase);
    if (!proc) return;
    if (slot.phase.t !== "stopping") this.setPhase(slot, { t: "stopping", process: proc, startedAtMs: proc.startedAt, how: "stop" });
    this.#o.logger?.info({ peer: slot.record.name, pid: proc.pid }, "stopping peer");
    await proc.stop(this.#o.stopGraceMs);
  }

  /** SIGKILL (a simulated crash: the peer ends "crashed"); resolves once it has exited. */
  async kill(slot: Slot): Promise<void> {
    const proc = liveProcess(slot.phase);
    if (!proc) return;
    this.setPhase(slot, { t: "stopping", process: proc, startedAtMs: proc.startedAt, how: "kill" });
    this.#o.logger?.info({ peer: slot.record.name, pid: proc.pid }, "killing peer");
    await proc.kill();
  }

  #onExit(slot: Slot, proc: PeerProcess, exit: PeerExit): void {
    if (!("process" in slot.phase) || slot.phase.process !== proc) return; // an earlier run of a restarted peer
    this.setPhase(slot, exitPhase(slot.phase, describeExit(exit)));
    this.#o.logger?.info({ peer: slot.record.name, exit: slot.record.lastExit, state: slot.phase.t }, "peer exited");
  }

  /**
   * A peer recorded as running may have outlived a crashed controller for a moment (it leaves
   * once it notices its parent is gone). Stop it if the pid is still that peer, so two
   * processes never share a data dir; never signal a pid that now belongs to something else.
   */
  async reapLeftover(record: PeerRecord): Promise<void> {
    const known = { pid: record.pid, dataDir: join(this.#o.dir, record.dataDir), id: record.id, httpAddress: record.httpAddress };
    if (!(await isPeerOf(known))) return;
    this.#o.logger?.info({ peer: record.name, pid: record.pid }, "stopping a peer left over from the previous controller");
    try {
      process.kill(record.pid, "SIGTERM");
      await waitFor(() => !isAlive(record.pid), { timeoutMs: this.#o.stopGraceMs, intervalMs: 50, what: "leftover peer exit" });
    } catch {
      if (isAlive(record.pid)) process.kill(record.pid, "SIGKILL");
      await sleep(50);
    }
  }
}


function sample<T>(items: T[], n: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}
