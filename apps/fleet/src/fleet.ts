/**
 * The peers of one fleet directory: their registry (names, IDs, limits), what the API shows of
 * each, and the operations on them. Processes are the Supervisor's (supervisor.ts), phases
 * change only through it (peer-phase.ts), fleet.json is saved by the StateSaver.
 */
import { mkdir, rm } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { commandLine, isAlive } from "@p2p/launcher";
import type { Logger } from "pino";
import type { FleetPeerState } from "./peer-phase.js";
import { PeerRegistry, peerView, type FleetPeerView } from "./peer-registry.js";
import { mergePeerSettings, type PeerSettings, type PeerSettingsInput } from "./peer-settings.js";
import { StateSaver } from "./state-saver.js";
import { loadFleetState, type FleetState } from "./state-file.js";
import { Supervisor, type Slot } from "./supervisor.js";
import type { PortBases } from "./port-plan.js";
import { FaultControl } from "./fault-control.js";
import { ChaosRunner } from "./chaos/chaos-runner.js";

export type { FleetPeerState, FleetPeerView };

/** Options of `Fleet.open`. */
export interface FleetOptions {
  /** Fleet directory (absolute): fleet.json, token, peers/<name>/. */
  dir: string;
  /** Peers spawned when `dir` holds no fleet yet. Default 0. */
  initialPeers?: number;
  /** Limit on peers in the fleet, stopped ones included. Default 200. */
  maxPeers?: number;
  /** Host the peers bind. Default 127.0.0.1. */
  peerHost?: string;
  /** Ports of peer-0; peer-N asks for base+N, the next free one when taken. Default 0: the OS picks. */
  portBases?: PortBases;
  /** Peer entry point. Default: the launcher's (apps/peer/dist/main.js). */
  peerMain?: string;
  /** Node flags of every peer (V8 heap sizes). Default: the launcher's DEFAULT_PEER_NODE_ARGS. */
  peerNodeArgs?: readonly string[];
  /** Settings passed to every spawned peer unless a spawn overrides them. Default none. */
  peerDefaults?: PeerSettings;
  /** Default 30000 ms. */
  readyTimeoutMs?: number;
  /** SIGTERM grace before SIGKILL. Default 10000 ms. */
  stopGraceMs?: number;
  /** Peers started at once. Default 4. */
  spawnConcurrency?: number;
  /** Log lines kept per peer (PeerLogs serves at most 1000). Default 1000. */
  logLines?: number;
  /** Start peers with --fault-injection (Partition, SetPeerFaults). Default true: a local fleet is for trying the network. */
  faultInjection?: boolean;
  logger?: Logger;
}

/** Peers one Spawn call may start (the fleet-wide limit is `maxPeers`). */
export const maxSpawnPerCall = 200;

/**
 * The peers of one fleet directory and their processes. Every method that changes something
 * saves fleet.json. Errors are ConnectErrors (this class sits right behind the API).
 */
export class Fleet {
  readonly dir: string;
  readonly maxPeers: number;
  readonly #log: Logger | undefined;
  readonly #peerDefaults: PeerSettings;
  readonly #spawnConcurrency: number;
  readonly #peers: PeerRegistry;
  readonly #saver: StateSaver;
  readonly #supervisor: Supervisor;
  /** Partitions, delays, clock skews and pauses injected into the peers. */
  readonly faults: FaultControl;
  /** Chaos runs against these peers (chaos/). */
  readonly chaos: ChaosRunner;
  #closing = false;

  private constructor(options: FleetOptions) {
    this.dir = options.dir;
    this.maxPeers = options.maxPeers ?? 200;
    this.#log = options.logger;
    this.#peerDefaults = options.peerDefaults ?? {};
    this.#spawnConcurrency = options.spawnConcurrency ?? 4;
    this.#peers = new PeerRegistry(options.logLines ?? 1000);
    this.#saver = new StateSaver(options.dir, () => this.#state(), options.logger);
    const portBases = options.portBases ?? { http: 0, grpc: 0 };
    this.#supervisor = new Supervisor({
      dir: options.dir,
      peerHost: options.peerHost ?? "127.0.0.1",
      ...(options.peerMain ? { peerMain: options.peerMain } : {}),
      ...(options.peerNodeArgs ? { nodeArgs: options.peerNodeArgs } : {}),
      readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
      stopGraceMs: options.stopGraceMs ?? 10_000,
      ...(options.logger ? { logger: options.logger } : {}),
      save: () => this.#saver.save(),
      runningAddresses: (except) => this.#peers.runningAddresses(except),
      portBases,
      portsInUse: (except) => this.#peers.portsInUse(except, portBases),
      closing: () => this.#closing,
      faultInjection: options.faultInjection ?? true,
      onRunning: (slot) => void this.faults.reapply(slot).catch(() => {}),
    });
    this.chaos = new ChaosRunner(this, options.logger);
    this.faults = new FaultControl({ find: (ref) => this.#peers.find(ref), all: () => this.#peers.all(), ...(options.logger ? { logger: options.logger } : {}) });
  }

  /**
   * Opens the fleet in `options.dir`. A new directory gets `initialPeers` peers. An existing one
   * is restored: leftovers of a crashed controller are stopped (their --parent-pid makes them
   * leave anyway), then every peer whose desired state is running is started again from its
   * data dir, so it keeps its ID and records. Resolves once those peers are ready or failed.
   */
  static async open(options: FleetOptions): Promise<Fleet> {
    if (!isAbsolute(options.dir)) throw new Error(`dir must be absolute, got ${options.dir}`);
    const fleet = new Fleet(options);
    await mkdir(join(options.dir, "peers"), { recursive: true });
    const state = await loadFleetState(options.dir);
    if (!state) {
      fleet.#saver.save();
      if (options.initialPeers) await fleet.spawn(options.initialPeers, {});
      return fleet;
    }
    await assertNoOtherController(state, options.dir);
    fleet.#peers.nextIndex = state.nextIndex;
    for (const record of state.peers) fleet.#peers.add(record);
    await Promise.all(state.peers.map((r) => fleet.#supervisor.reapLeftover(r)));
    const toStart = fleet.#peers.all().filter((s) => s.record.desired === "running");
    for (const s of toStart) s.record.restarts++;
    fleet.#saver.save();
    await fleet.#startBatch(toStart);
    return fleet;
  }

  /** Every peer, in creation order. */
  list(): FleetPeerView[] {
    return this.#peers.all().map((s) => this.#view(s));
  }

  /** One peer by name or ID; NOT_FOUND otherwise. */
  get(ref: string): FleetPeerView {
    return this.#view(this.#peers.find(ref));
  }

  /**
   * Starts `count` new peers with `settings` over the fleet defaults, bootstrapped from running
   * peers, and resolves when each is running or crashed. INVALID_ARGUMENT (naming the limit)
   * for a count outside 1..200 or beyond `maxPeers`, or a bad setting. `options.peerMain`
   * (library only, not in the API) runs another binary for these peers, e.g. a crashing one.
   */
  async spawn(count: number, settings: PeerSettingsInput, options: { peerMain?: string } = {}): Promise<FleetPeerView[]> {
    this.#assertOpen();
    if (!Number.isInteger(count) || count < 1 || count > maxSpawnPerCall) {
      throw new ConnectError(`count: must be from 1 to ${maxSpawnPerCall} per call, got ${count}`, Code.InvalidArgument);
    }
    if (this.#peers.size + count > this.maxPeers) {
      throw new ConnectError(
        `count: the fleet has ${this.#peers.size} peers and its limit is max-peers=${this.maxPeers}, so at most ${this.maxPeers - this.#peers.size} more`,
        Code.InvalidArgument,
      );
    }
    let merged: PeerSettings;
    try {
      merged = mergePeerSettings(this.#peerDefaults, settings);
    } catch (err) {
      throw new ConnectError(`options.${(err as Error).message}`, Code.InvalidArgument);
    }
    const slots: Slot[] = [];
    for (let i = 0; i < count; i++) {
      const name = this.#peers.nextName();
      const slot = this.#peers.add({
        name, dataDir: join("peers", name), id: "", httpAddress: "", grpcAddress: "", pid: 0,
        desired: "running", lastState: "stopped", lastExit: "", restarts: 0, settings: merged,
        ...(options.peerMain ? { peerMain: options.peerMain } : {}),
      });
      slots.push(slot);
    }
    this.#saver.save();
    this.#log?.info({ count, names: slots.map((s) => s.record.name) }, "spawning peers");
    await this.#startBatch(slots);
    return slots.map((s) => this.#view(s));
  }

  /** SIGTERM and wait (SIGKILL after the grace): the peer hands off its records. Idempotent. */
  stop(ref: string): Promise<FleetPeerView> {
    this.#assertOpen();
    const slot = this.#peers.find(ref);
    return this.#locked(slot, async () => {
      slot.record.desired = "stopped";
      await this.#supervisor.stop(slot);
      this.#saver.save();
      return this.#view(slot);
    });
  }

  /** SIGKILL (a simulated crash: state "crashed"); resolves once it has exited. Idempotent. */
  async kill(ref: string): Promise<FleetPeerView> {
    this.#assertOpen();
    const slot = this.#peers.find(ref);
    slot.record.desired = "stopped";
    await this.#supervisor.kill(slot);
    this.#saver.save();
    return this.#view(slot);
  }

  /** Stops the peer if it runs, then starts it from the same data dir (same ID, same records). */
  restart(ref: string): Promise<FleetPeerView> {
    this.#assertOpen();
    const slot = this.#peers.find(ref);
    return this.#locked(slot, async () => {
      await this.#supervisor.stop(slot);
      slot.record.desired = "running";
      slot.record.restarts++;
      await this.#supervisor.launch(slot);
      return this.#view(slot);
    });
  }

  /** Stops the peer and deletes its data dir; its name is not reused. Returns the name. */
  remove(ref: string): Promise<string> {
    this.#assertOpen();
    const slot = this.#peers.find(ref);
    return this.#locked(slot, async () => {
      await this.#supervisor.stop(slot);
      await rm(this.#supervisor.dataDir(slot), { recursive: true, force: true });
      this.#peers.delete(slot);
      this.faults.forget(slot.record.name);
      this.#saver.save();
      this.#log?.info({ peer: slot.record.name }, "removed peer");
      return slot.record.name;
    });
  }

  /** The peer's most recent log lines (stdout and stderr, across its restarts), oldest first. */
  logs(ref: string, limit: number): string[] {
    return this.#peers.find(ref).logs.recent(limit);
  }

  /**
   * Stops every peer (SIGTERM, SIGKILL after the grace) and saves the state. Desired states are
   * kept, so the next `open` brings the same peers back. Further mutating calls get UNAVAILABLE.
   */
  async close(): Promise<void> {
    if (this.#closing) return;
    // A chaos run heals its faults and records its verdict before the peers go.
    await this.chaos.close();
    this.#closing = true;
    await Promise.all(this.#peers.all().map((s) => this.#supervisor.stop(s)));
    this.#saver.save();
    await this.flushed();
  }

  /** Resolves when fleet.json reflects every change so far. */
  flushed(): Promise<void> {
    return this.#saver.flushed();
  }

  #assertOpen(): void {
    if (this.#closing) throw new ConnectError("the fleet controller is shutting down", Code.Unavailable);
  }

  #locked<T>(slot: Slot, fn: () => Promise<T>): Promise<T> {
    const run = slot.lock.then(fn, fn);
    slot.lock = run.then(() => {}, () => {});
    return run;
  }

  #view(slot: Slot): FleetPeerView {
    return peerView(slot, this.#supervisor.dataDir(slot), this.faults.of(slot.record.name));
  }

  /** Starts the slots: when nothing runs yet the first starts alone so the rest can join it. */
  async #startBatch(slots: Slot[]): Promise<void> {
    const queue = [...slots];
    if (queue.length && !this.#peers.runningAddresses(undefined).length) await this.#supervisor.launch(queue.shift()!);
    const worker = async () => {
      for (let slot = queue.shift(); slot; slot = queue.shift()) await this.#supervisor.launch(slot);
    };
    await Promise.all(Array.from({ length: Math.min(this.#spawnConcurrency, queue.length) }, worker));
  }

  #state(): FleetState {
    return {
      version: 1,
      nextIndex: this.#peers.nextIndex,
      controllerPid: this.#closing ? 0 : process.pid,
      peers: this.#peers.all().map((s) => ({ ...s.record })),
    };
  }
}

/** Refuses a fleet dir that a live controller still uses (its peers would be reaped under it). */
async function assertNoOtherController(state: FleetState, dir: string): Promise<void> {
  const pid = state.controllerPid;
  if (!pid || pid === process.pid || !isAlive(pid)) return;
  const args = await commandLine(pid);
  if (args?.some((a) => a.includes("fleet"))) {
    throw new Error(`another fleet controller (pid ${pid}) is using ${relative(process.cwd(), dir) || dir}; stop it first`);
  }
}
