import { mkdir, readFile, rm } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  describeExit, isAddressInUse, LineRing, nodeClient, portOrAny, startPeer, waitFor, type PeerExit, type PeerProcess,
} from "@p2p/launcher";
import type { Logger } from "pino";
import { mergePeerSettings, peerSettingArgs, type PeerSettings, type PeerSettingsInput } from "./peer-settings.js";
import { loadFleetState, saveFleetState, type FleetState, type PeerRecord } from "./state-file.js";

export type FleetPeerState = "starting" | "running" | "stopping" | "stopped" | "crashed";

/** One peer as the API shows it. */
export interface FleetPeerView {
  name: string;
  /** Lowercase hex; empty until the peer has been ready once. */
  id: string;
  httpAddress: string;
  grpcAddress: string;
  /** 0 when not running. */
  pid: number;
  state: FleetPeerState;
  startedAtMs: number;
  uptimeMs: number;
  restarts: number;
  /** Absolute path. */
  dataDir: string;
  lastExit: string;
}

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
  /** Peer entry point. Default: the launcher's (apps/peer/dist/main.js). */
  peerMain?: string;
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
  logger?: Logger;
}

/** Per call, as issue 4 specifies; the fleet-wide limit is `maxPeers`. */
export const maxSpawnPerCall = 200;
/** Bootstrap contacts given to a new peer: enough to survive one being down, few enough to stay cheap. */
const bootstrapFanout = 3;

interface Slot {
  record: PeerRecord;
  process?: PeerProcess;
  logs: LineRing;
  startedAtMs: number;
  /** The current process is being stopped on purpose: its exit means "stopped". */
  stopRequested: boolean;
  /** The current process was SIGKILLed on purpose: its exit means "crashed" (a simulated fault). */
  killed: boolean;
  /** Serialises stop/restart/remove of this peer. */
  lock: Promise<void>;
}

const notFound = (ref: string) => new ConnectError(`peer "${ref}" not found (use its name, e.g. "peer-0", or its full ID)`, Code.NotFound);

/**
 * The peers of one fleet directory and their processes. Every method that changes something
 * saves fleet.json. Errors are ConnectErrors (this class sits right behind the API).
 */
export class Fleet {
  readonly dir: string;
  readonly maxPeers: number;
  #opts: Required<Omit<FleetOptions, "peerMain" | "logger" | "initialPeers">> & { peerMain?: string };
  #log: Logger | undefined;
  #slots = new Map<string, Slot>();
  #nextIndex = 0;
  #closing = false;
  #dirty = false;
  #saving: Promise<void> | undefined;

  private constructor(options: FleetOptions) {
    this.dir = options.dir;
    this.maxPeers = options.maxPeers ?? 200;
    this.#log = options.logger;
    this.#opts = {
      dir: options.dir,
      maxPeers: this.maxPeers,
      peerHost: options.peerHost ?? "127.0.0.1",
      peerDefaults: options.peerDefaults ?? {},
      readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
      stopGraceMs: options.stopGraceMs ?? 10_000,
      spawnConcurrency: options.spawnConcurrency ?? 4,
      logLines: options.logLines ?? 1000,
      ...(options.peerMain ? { peerMain: options.peerMain } : {}),
    };
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
      fleet.#save();
      if (options.initialPeers) await fleet.spawn(options.initialPeers, {});
      return fleet;
    }
    await assertNoOtherController(state, options.dir);
    fleet.#nextIndex = state.nextIndex;
    for (const record of state.peers) fleet.#slots.set(record.name, fleet.#newSlot(record));
    await Promise.all(state.peers.map((r) => fleet.#reapLeftover(r)));
    const toStart = [...fleet.#slots.values()].filter((s) => s.record.desired === "running");
    for (const s of toStart) s.record.restarts++;
    fleet.#save();
    await fleet.#startBatch(toStart);
    return fleet;
  }

  /** Every peer, in creation order. */
  list(): FleetPeerView[] {
    return [...this.#slots.values()].map((s) => this.#view(s));
  }

  /** One peer by name or ID; NOT_FOUND otherwise. */
  get(ref: string): FleetPeerView {
    return this.#view(this.#find(ref));
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
    if (this.#slots.size + count > this.maxPeers) {
      throw new ConnectError(
        `count: the fleet has ${this.#slots.size} peers and its limit is max-peers=${this.maxPeers}, so at most ${this.maxPeers - this.#slots.size} more`,
        Code.InvalidArgument,
      );
    }
    let merged: PeerSettings;
    try {
      merged = mergePeerSettings(this.#opts.peerDefaults, settings);
    } catch (err) {
      throw new ConnectError(`options.${(err as Error).message}`, Code.InvalidArgument);
    }
    const slots: Slot[] = [];
    for (let i = 0; i < count; i++) {
      const name = `peer-${this.#nextIndex++}`;
      const slot = this.#newSlot({
        name, dataDir: join("peers", name), id: "", httpAddress: "", grpcAddress: "", pid: 0,
        desired: "running", lastState: "starting", lastExit: "", restarts: 0, settings: merged,
        ...(options.peerMain ? { peerMain: options.peerMain } : {}),
      });
      this.#slots.set(name, slot);
      slots.push(slot);
    }
    this.#save();
    this.#log?.info({ count, names: slots.map((s) => s.record.name) }, "spawning peers");
    await this.#startBatch(slots);
    return slots.map((s) => this.#view(s));
  }

  /** SIGTERM and wait (SIGKILL after the grace): the peer hands off its records. Idempotent. */
  stop(ref: string): Promise<FleetPeerView> {
    this.#assertOpen();
    const slot = this.#find(ref);
    return this.#locked(slot, async () => {
      slot.record.desired = "stopped";
      await this.#stopProcess(slot);
      this.#save();
      return this.#view(slot);
    });
  }

  /** SIGKILL (a simulated crash: state "crashed"); resolves once it has exited. Idempotent. */
  async kill(ref: string): Promise<FleetPeerView> {
    this.#assertOpen();
    const slot = this.#find(ref);
    slot.record.desired = "stopped";
    const proc = slot.process;
    if (proc && !proc.exit) {
      slot.killed = true;
      this.#log?.info({ peer: slot.record.name, pid: proc.pid }, "killing peer");
      await proc.kill();
    }
    this.#save();
    return this.#view(slot);
  }

  /** Stops the peer if it runs, then starts it from the same data dir (same ID, same records). */
  restart(ref: string): Promise<FleetPeerView> {
    this.#assertOpen();
    const slot = this.#find(ref);
    return this.#locked(slot, async () => {
      await this.#stopProcess(slot);
      slot.record.desired = "running";
      slot.record.restarts++;
      await this.#launch(slot);
      return this.#view(slot);
    });
  }

  /** Stops the peer and deletes its data dir; its name is not reused. Returns the name. */
  remove(ref: string): Promise<string> {
    this.#assertOpen();
    const slot = this.#find(ref);
    return this.#locked(slot, async () => {
      await this.#stopProcess(slot);
      await rm(this.#dataDir(slot), { recursive: true, force: true });
      this.#slots.delete(slot.record.name);
      this.#save();
      this.#log?.info({ peer: slot.record.name }, "removed peer");
      return slot.record.name;
    });
  }

  /** The peer's most recent log lines (stdout and stderr, across its restarts), oldest first. */
  logs(ref: string, limit: number): string[] {
    return this.#find(ref).logs.recent(limit);
  }

  /**
   * Stops every peer (SIGTERM, SIGKILL after the grace) and saves the state. Desired states are
   * kept, so the next `open` brings the same peers back. Further mutating calls get UNAVAILABLE.
   */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    await Promise.all([...this.#slots.values()].map((s) => this.#stopProcess(s)));
    this.#save();
    await this.flushed();
  }

  /** Resolves when fleet.json reflects every change so far. */
  async flushed(): Promise<void> {
    while (this.#saving) await this.#saving;
  }

  #assertOpen(): void {
    if (this.#closing) throw new ConnectError("the fleet controller is shutting down", Code.Unavailable);
  }

  #find(ref: string): Slot {
    if (typeof ref !== "string" || !ref.trim()) throw new ConnectError("peer: required (a name like \"peer-0\" or a full ID)", Code.InvalidArgument);
    if (ref.length > 128) throw new ConnectError("peer: too long (at most 128 characters)", Code.InvalidArgument);
    const byName = this.#slots.get(ref);
    if (byName) return byName;
    if (/^[0-9a-f]{64}$/.test(ref)) {
      for (const s of this.#slots.values()) if (s.record.id === ref) return s;
    }
    throw notFound(ref);
  }

  #newSlot(record: PeerRecord): Slot {
    return { record, logs: new LineRing(this.#opts.logLines), startedAtMs: 0, stopRequested: false, killed: false, lock: Promise.resolve() };
  }

  #locked<T>(slot: Slot, fn: () => Promise<T>): Promise<T> {
    const run = slot.lock.then(fn, fn);
    slot.lock = run.then(() => {}, () => {});
    return run;
  }

  #dataDir(slot: Slot): string {
    return join(this.dir, slot.record.dataDir);
  }

  #view(slot: Slot): FleetPeerView {
    const r = slot.record;
    const proc = slot.process;
    const live = proc !== undefined && proc.exit === undefined;
    let state: FleetPeerState;
    if (live) state = slot.stopRequested ? "stopping" : proc.state === "running" ? "running" : proc.state === "stopping" ? "stopping" : "starting";
    else state = r.lastState === "crashed" ? "crashed" : "stopped";
    return {
      name: r.name,
      id: r.id,
      httpAddress: r.httpAddress,
      grpcAddress: r.grpcAddress,
      pid: live ? proc.pid : 0,
      state,
      startedAtMs: live ? slot.startedAtMs : 0,
      uptimeMs: live && state === "running" ? Date.now() - slot.startedAtMs : 0,
      restarts: r.restarts,
      dataDir: this.#dataDir(slot),
      lastExit: r.lastExit,
    };
  }

  /** Starts the slots: when nothing runs yet the first starts alone so the rest can join it. */
  async #startBatch(slots: Slot[]): Promise<void> {
    const queue = [...slots];
    if (queue.length && !this.#runningAddresses(undefined).length) await this.#launch(queue.shift()!);
    const worker = async () => {
      for (let slot = queue.shift(); slot; slot = queue.shift()) await this.#launch(slot);
    };
    await Promise.all(Array.from({ length: Math.min(this.#opts.spawnConcurrency, queue.length) }, worker));
  }

  #runningAddresses(except: Slot | undefined): string[] {
    return [...this.#slots.values()]
      .filter((s) => s !== except && s.process?.state === "running" && s.record.grpcAddress)
      .map((s) => s.record.grpcAddress);
  }

  /**
   * Starts the slot's process and waits until it is ready or has failed (then it is "crashed"
   * with its log lines kept). A restarted peer asks for its previous ports, so addresses other
   * peers hold stay valid; a port taken meanwhile means another one, never a failed start.
   */
  async #launch(slot: Slot): Promise<void> {
    if (this.#closing) return;
    const host = this.#opts.peerHost;
    const others = this.#runningAddresses(slot);
    const bootstrap = sample(others, bootstrapFanout);
    let httpPort = await portOrAny(host, portOf(slot.record.httpAddress));
    let grpcPort = await portOrAny(host, portOf(slot.record.grpcAddress));
    for (let attempt = 0; ; attempt++) {
      const proc = startPeer({
        ...(slot.record.peerMain ?? this.#opts.peerMain ? { peerMain: slot.record.peerMain ?? this.#opts.peerMain } : {}),
        dataDir: this.#dataDir(slot),
        host,
        httpPort,
        grpcPort,
        bootstrap,
        args: peerSettingArgs(slot.record.settings),
        readyTimeoutMs: this.#opts.readyTimeoutMs,
        logs: slot.logs,
        maxLineChars: 4096,
      });
      slot.process = proc;
      slot.stopRequested = false;
      slot.killed = false;
      slot.startedAtMs = proc.startedAt;
      slot.record.pid = proc.pid;
      slot.record.lastState = "starting";
      void proc.exited.then((exit) => this.#onExit(slot, proc, exit));
      this.#save();
      try {
        const info = await proc.ready;
        if (slot.record.id && slot.record.id !== info.id) {
          this.#log?.warn({ peer: slot.record.name, was: slot.record.id, now: info.id }, "peer came back with a different ID");
        }
        Object.assign(slot.record, { id: info.id, httpAddress: info.httpAddress, grpcAddress: info.grpcAddress, lastState: "running" });
        this.#save();
        this.#log?.info({ peer: slot.record.name, id: info.id, pid: proc.pid, httpAddress: info.httpAddress }, "peer running");
        return;
      } catch (err) {
        await proc.exited;
        if (attempt === 0 && (httpPort || grpcPort) && isAddressInUse(proc.logs(20)) && !slot.stopRequested && !slot.killed) {
          httpPort = 0;
          grpcPort = 0;
          continue;
        }
        this.#log?.warn({ peer: slot.record.name, err: (err as Error).message.split("\n")[0] }, "peer failed to start");
        return;
      }
    }
  }

  #onExit(slot: Slot, proc: PeerProcess, exit: PeerExit): void {
    if (slot.process !== proc) return; // an earlier run of a restarted peer
    slot.record.lastExit = describeExit(exit);
    slot.record.pid = 0;
    slot.record.lastState = slot.stopRequested && !slot.killed ? "stopped" : "crashed";
    this.#log?.info({ peer: slot.record.name, exit: slot.record.lastExit, state: slot.record.lastState }, "peer exited");
    if (this.#slots.get(slot.record.name) === slot) this.#save();
  }

  async #stopProcess(slot: Slot): Promise<void> {
    const proc = slot.process;
    if (!proc || proc.exit) return;
    slot.stopRequested = true;
    this.#log?.info({ peer: slot.record.name, pid: proc.pid }, "stopping peer");
    await proc.stop(this.#opts.stopGraceMs);
  }

  /**
   * A peer recorded as running may have outlived a crashed controller for a moment (it leaves
   * once it notices its parent is gone). Stop it if the pid is still that peer, so two
   * processes never share a data dir; never signal a pid that now belongs to something else.
   */
  async #reapLeftover(record: PeerRecord): Promise<void> {
    if (!record.pid || !isAlive(record.pid)) return;
    if (!(await isOurPeer(record, join(this.dir, record.dataDir)))) return;
    this.#log?.info({ peer: record.name, pid: record.pid }, "stopping a peer left over from the previous controller");
    try {
      process.kill(record.pid, "SIGTERM");
      await waitFor(() => !isAlive(record.pid), { timeoutMs: this.#opts.stopGraceMs, intervalMs: 50, what: "leftover peer exit" });
    } catch {
      if (isAlive(record.pid)) process.kill(record.pid, "SIGKILL");
      await sleep(50);
    }
  }

  /** Schedules a save; writes are coalesced and never overlap. */
  #save(): void {
    this.#dirty = true;
    this.#saving ??= this.#flush();
  }

  async #flush(): Promise<void> {
    while (this.#dirty) {
      this.#dirty = false;
      const state: FleetState = {
        version: 1,
        nextIndex: this.#nextIndex,
        controllerPid: this.#closing ? 0 : process.pid,
        peers: [...this.#slots.values()].map((s) => ({ ...s.record })),
      };
      try {
        await saveFleetState(this.dir, state);
      } catch (err) {
        this.#log?.error({ err: (err as Error).message }, "could not save fleet state");
      }
    }
    this.#saving = undefined;
  }
}

function portOf(address: string): number | undefined {
  const port = Number(address.slice(address.lastIndexOf(":") + 1));
  return address && Number.isInteger(port) && port > 0 ? port : undefined;
}

function sample<T>(items: T[], n: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false; // kill(0) would address our own process group
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid runs with our data dir on its command line (Linux /proc), or answers Info with our ID. */
async function isOurPeer(record: PeerRecord, dataDir: string): Promise<boolean> {
  try {
    const cmdline = (await readFile(`/proc/${record.pid}/cmdline`, "utf8")).split("\0");
    return cmdline.includes(dataDir);
  } catch {
    // No /proc (not Linux): ask the address it last had.
  }
  if (!record.id || !record.httpAddress) return false;
  try {
    const info = await nodeClient(record.httpAddress, { timeoutMs: 1000 }).info({});
    return info.id === record.id;
  } catch {
    return false;
  }
}

/** Refuses a fleet dir that a live controller still uses (its peers would be reaped under it). */
async function assertNoOtherController(state: FleetState, dir: string): Promise<void> {
  const pid = state.controllerPid;
  if (!pid || pid === process.pid || !isAlive(pid)) return;
  let cmdline = "";
  try {
    cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return;
  }
  if (cmdline.includes("fleet")) {
    throw new Error(`another fleet controller (pid ${pid}) is using ${relative(process.cwd(), dir) || dir}; stop it first`);
  }
}
