/**
 * The fleet's peers by name (creation order) and ID: lookups as the API takes them, the limit,
 * never-reused names, and what the API shows of each.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { LineRing } from "@p2p/launcher";
import { liveProcess, restoredPhase, visibleState, type FleetPeerState } from "./peer-phase.js";
import { NO_PEER_FAULTS, type PeerFaults } from "./fault-control.js";
import type { PeerRecord } from "./state-file.js";
import type { Slot } from "./supervisor.js";
import { portOf, wantedPort, type PortBases } from "./port-plan.js";

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
  /** Faults the controller has injected (fault-control.ts). */
  faults: PeerFaults;
}

const notFound = (ref: string) => new ConnectError(`peer "${ref}" not found (use its name, e.g. "peer-0", or its full ID)`, Code.NotFound);

export class PeerRegistry {
  readonly #slots = new Map<string, Slot>();
  readonly #logLines: number;
  /** Next peer number: names are never reused, even after a remove. */
  nextIndex = 0;

  /** @param logLines log lines kept per peer. */
  constructor(logLines: number) {
    this.#logLines = logLines;
  }

  get size(): number {
    return this.#slots.size;
  }

  /** Every peer, in creation order. */
  all(): Slot[] {
    return [...this.#slots.values()];
  }

  /** A peer from fleet.json or a new one, in the phase its record says. */
  add(record: PeerRecord): Slot {
    const slot: Slot = { record, phase: restoredPhase(record.lastState, record.lastExit), logs: new LineRing(this.#logLines), lock: Promise.resolve() };
    this.#slots.set(record.name, slot);
    return slot;
  }

  /** A new peer's name: peer-<next index>. */
  nextName(): string {
    return `peer-${this.nextIndex++}`;
  }

  delete(slot: Slot): void {
    this.#slots.delete(slot.record.name);
  }

  /** By name or full ID; INVALID_ARGUMENT for a malformed reference, NOT_FOUND otherwise. */
  find(ref: string): Slot {
    if (typeof ref !== "string" || !ref.trim()) throw new ConnectError("peer: required (a name like \"peer-0\" or a full ID)", Code.InvalidArgument);
    if (ref.length > 128) throw new ConnectError("peer: too long (at most 128 characters)", Code.InvalidArgument);
    const byName = this.#slots.get(ref);
    if (byName) return byName;
    if (/^[0-9a-f]{64}$/.test(ref)) {
      for (const s of this.#slots.values()) if (s.record.id === ref) return s;
    }
    throw notFound(ref);
  }

  /** gRPC addresses of running peers other than `except`. */
  /**
   * Ports every peer but `except` holds or will ask for: those in its record (stopped peers come
   * back on them), else base+index. So a peer whose port is taken moves past its siblings' ports
   * instead of pushing each of them one port up.
   */
  portsInUse(except: Slot | undefined, bases: PortBases): Set<number> {
    const ports = new Set<number>();
    for (const s of this.all()) {
      if (s === except) continue;
      const { name, httpAddress, grpcAddress } = s.record;
      for (const [address, base] of [[httpAddress, bases.http], [grpcAddress, bases.grpc]] as const) {
        const port = wantedPort(name, portOf(address), base);
        if (port) ports.add(port);
      }
    }
    return ports;
  }

  runningAddresses(except: Slot | undefined): string[] {
    return this.all()
      .filter((s) => s !== except && s.phase.t === "running" && s.record.grpcAddress)
      .map((s) => s.record.grpcAddress);
  }
}

/** What the API shows of one peer (`dataDir` absolute). */
export function peerView(slot: Slot, dataDir: string, faults: PeerFaults = NO_PEER_FAULTS): FleetPeerView {
  const r = slot.record;
  const proc = liveProcess(slot.phase);
  const state = visibleState(slot.phase);
  const startedAtMs = proc && "startedAtMs" in slot.phase ? slot.phase.startedAtMs : 0;
  return {
    name: r.name,
    id: r.id,
    httpAddress: r.httpAddress,
    grpcAddress: r.grpcAddress,
    pid: proc?.pid ?? 0,
    state,
    startedAtMs,
    uptimeMs: proc && state === "running" ? Date.now() - startedAtMs : 0,
    restarts: r.restarts,
    dataDir,
    lastExit: r.lastExit,
    faults,
  };
}
