/**
 * Faults the controller injects into its peers, for trying the network the way real ones fail:
 * partitions (groups of peers that cannot reach each other), slow links, skewed clocks (each
 * through the peer's own SetFaults, which the fleet's peers accept: they run with
 * --fault-injection) and paused processes (SIGSTOP, as a GC pause or a stuck VM looks).
 *
 * The controller holds each peer's faults and pushes the whole set with every change, since a
 * peer's SetFaults replaces its rules. A peer that is stopped, starting or paused gets its
 * rules when it runs again (reapply), so a restart inside a partition stays inside it.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { adminClient, nodeClient } from "@p2p/launcher";
import type { Logger } from "pino";
import { liveProcess } from "./peer-phase.js";
import type { Slot } from "./supervisor.js";

/** One peer's faults, by peer name (IDs change only with a new data dir). */
export interface PeerFaults {
  /** Names of the peers this one is cut off from. */
  partitionedFrom: string[];
  delayMs: number;
  clockSkewMs: number;
  paused: boolean;
}

export const NO_PEER_FAULTS: Readonly<PeerFaults> = Object.freeze({ partitionedFrom: [], delayMs: 0, clockSkewMs: 0, paused: false });

/** Bounds checked here so that a bad request names the fleet's field, not the peer's. */
export const MAX_FAULT_DELAY_MS = 60_000;
export const MAX_CLOCK_SKEW_MS = 86_400_000;
const SET_FAULTS_TIMEOUT_MS = 3000;

export interface FaultControlDeps {
  find(ref: string): Slot;
  all(): Slot[];
  logger?: Logger;
}

interface State {
  partitionedFrom: Set<string>;
  delayMs: number;
  clockSkewMs: number;
  paused: boolean;
}

export class FaultControl {
  readonly #d: FaultControlDeps;
  readonly #state = new Map<string, State>();

  constructor(deps: FaultControlDeps) {
    this.#d = deps;
  }

  /** The faults of the peer named `name`. */
  of(name: string): PeerFaults {
    const s = this.#state.get(name);
    if (!s) return { ...NO_PEER_FAULTS, partitionedFrom: [] };
    return { partitionedFrom: [...s.partitionedFrom].sort(), delayMs: s.delayMs, clockSkewMs: s.clockSkewMs, paused: s.paused };
  }

  /** Whether any peer has a fault. */
  get active(): boolean {
    return [...this.#state.values()].some((s) => s.partitionedFrom.size > 0 || s.delayMs > 0 || s.clockSkewMs !== 0 || s.paused);
  }

  /**
   * Splits the listed peers into groups that cannot reach each other (each group reaches itself
   * and every peer not listed). Replaces any earlier partition. INVALID_ARGUMENT for fewer than
   * two groups, an empty group, an unknown peer or one listed twice.
   */
  async partition(groups: readonly (readonly string[])[]): Promise<void> {
    if (groups.length < 2) throw new ConnectError(`groups: a partition needs at least 2 groups, got ${groups.length}`, Code.InvalidArgument);
    const groupOf = new Map<string, number>();
    groups.forEach((group, i) => {
      if (group.length === 0) throw new ConnectError(`groups[${i}]: is empty`, Code.InvalidArgument);
      for (const ref of group) {
        const name = this.#d.find(ref).record.name;
        if (groupOf.has(name)) throw new ConnectError(`groups[${i}]: ${ref} is already in groups[${groupOf.get(name)}]`, Code.InvalidArgument);
        groupOf.set(name, i);
      }
    });
    for (const slot of this.#d.all()) {
      const name = slot.record.name;
      const mine = groupOf.get(name);
      const cut = mine === undefined ? [] : [...groupOf].filter(([, g]) => g !== mine).map(([n]) => n);
      this.#stateOf(name).partitionedFrom = new Set(cut);
    }
    this.#d.logger?.info({ groups }, "partition");
    await this.#pushAll();
  }

  /** A delay on every call the peer makes, and/or a clock skew; each as given replaces the peer's. */
  async setPeerFaults(ref: string, faults: { delayMs?: number; clockSkewMs?: number }): Promise<void> {
    const slot = this.#d.find(ref);
    const { delayMs, clockSkewMs } = faults;
    if (delayMs !== undefined && (!Number.isSafeInteger(delayMs) || delayMs < 0 || delayMs > MAX_FAULT_DELAY_MS)) {
      throw new ConnectError(`delayMs: must be an integer from 0 to ${MAX_FAULT_DELAY_MS}, got ${delayMs}`, Code.InvalidArgument);
    }
    if (clockSkewMs !== undefined && (!Number.isSafeInteger(clockSkewMs) || Math.abs(clockSkewMs) > MAX_CLOCK_SKEW_MS)) {
      throw new ConnectError(`clockSkewMs: must be an integer from -${MAX_CLOCK_SKEW_MS} to ${MAX_CLOCK_SKEW_MS}, got ${clockSkewMs}`, Code.InvalidArgument);
    }
    const s = this.#stateOf(slot.record.name);
    if (delayMs !== undefined) s.delayMs = delayMs;
    if (clockSkewMs !== undefined) s.clockSkewMs = clockSkewMs;
    this.#d.logger?.info({ peer: slot.record.name, delayMs: s.delayMs, clockSkewMs: s.clockSkewMs }, "peer faults");
    await this.#push(slot);
  }

  /** SIGSTOP: the process stops answering anything until resumed. FAILED_PRECONDITION when it does not run. */
  pause(ref: string): void {
    const slot = this.#d.find(ref);
    const proc = liveProcess(slot.phase);
    if (!proc) throw new ConnectError(`${slot.record.name} is not running`, Code.FailedPrecondition);
    proc.signal("SIGSTOP");
    this.#stateOf(slot.record.name).paused = true;
    this.#d.logger?.info({ peer: slot.record.name }, "paused (SIGSTOP)");
  }

  /** SIGCONT, then the peer's rules again (a change made while it was paused could not reach it). */
  async resume(ref: string): Promise<void> {
    const slot = this.#d.find(ref);
    liveProcess(slot.phase)?.signal("SIGCONT");
    this.#stateOf(slot.record.name).paused = false;
    this.#d.logger?.info({ peer: slot.record.name }, "resumed (SIGCONT)");
    await this.#push(slot);
  }

  /** Ends every fault: partitions, delays, skews, pauses. */
  async heal(): Promise<void> {
    for (const slot of this.#d.all()) liveProcess(slot.phase)?.signal("SIGCONT");
    const had = [...this.#state.keys()];
    this.#state.clear();
    this.#d.logger?.info({}, "healed every fault");
    await Promise.all(this.#d.all().filter((s) => had.includes(s.record.name)).map((s) => this.#push(s)));
  }

  /** A process of this peer has just started (a start or a restart): it has no rules yet. */
  async reapply(slot: Slot): Promise<void> {
    const s = this.#state.get(slot.record.name);
    if (!s) return;
    s.paused = false; // a new process is not stopped
    await this.#push(slot);
  }

  /** A removed peer: forget its faults and every other peer's partition from it. */
  forget(name: string): void {
    this.#state.delete(name);
    for (const s of this.#state.values()) s.partitionedFrom.delete(name);
  }

  #stateOf(name: string): State {
    let s = this.#state.get(name);
    if (!s) this.#state.set(name, (s = { partitionedFrom: new Set(), delayMs: 0, clockSkewMs: 0, paused: false }));
    return s;
  }

  async #pushAll(): Promise<void> {
    await Promise.all(this.#d.all().map((s) => this.#push(s)));
  }

  /** Sends the peer its whole rule set; a peer that cannot take it now gets it on reapply/resume. */
  async #push(slot: Slot): Promise<void> {
    const s = this.#state.get(slot.record.name);
    if (slot.phase.t !== "running" || s?.paused || !slot.record.httpAddress) return;
    const ids = new Map(this.#d.all().map((x) => [x.record.name, x.record.id]));
    const rules = {
      dropPeers: [...(s?.partitionedFrom ?? [])].map((n) => ids.get(n)).filter((id): id is string => !!id),
      delays: s && s.delayMs > 0 ? [{ peerId: "*", delayMs: s.delayMs }] : [],
      clockSkewMs: BigInt(s?.clockSkewMs ?? 0),
    };
    try {
      await adminClient(slot.record.httpAddress, { timeoutMs: SET_FAULTS_TIMEOUT_MS }).setFaults({ rules });
    } catch (err) {
      const e = ConnectError.from(err);
      this.#d.logger?.warn({ peer: slot.record.name, err: e.message }, "could not set the peer's faults");
      throw new ConnectError(`${slot.record.name}: could not set its faults (${e.message})`, e.code === Code.FailedPrecondition ? Code.FailedPrecondition : Code.Unavailable);
    }
  }
}
