/**
 * The dashboard's view of the network, rebuilt on demand: the controller's ListPeers (when
 * configured) plus a crawl of routing tables from every known address, each peer polled in
 * parallel (bounded) under a short deadline. A peer that fails keeps its last data, marked
 * down with the time it last answered. One poll at a time: concurrent callers share it.
 */
import { PeerState, type FleetPeer } from "@p2p/proto/fleet";
import { isId, ringFraction } from "./ids";
import { aggregate } from "./aggregate";
import { carryOver, totalOps } from "./op-totals";
import { isHostPort, type FleetClient } from "./clients";
import { describeError, fetchPeerData, type PeerData } from "./peer-data";
import { resolveSnapshotOptions, type Entry, type RecordQuery, type ResolvedSnapshotOptions, type SnapshotOptions } from "./snapshot-options";

export type { RecordQuery, SnapshotOptions };
import { mapWithConcurrency } from "./pool";
import { peerAllowlist } from "./security/peer-allowlist";
import type { PeerView, RecordStatus, RecordView, Snapshot } from "./snapshot-types";

/** Shown as the peer's error: it is listed, never fetched. */
export const NOT_ALLOWED = "not polled (outside the allowlist)";

const stateNames: Record<number, string> = {
  [PeerState.UNSPECIFIED]: "unknown", [PeerState.STARTING]: "starting", [PeerState.RUNNING]: "running",
  [PeerState.STOPPING]: "stopping", [PeerState.STOPPED]: "stopped", [PeerState.CRASHED]: "crashed",
};

export class SnapshotCollector {
  private readonly o: ResolvedSnapshotOptions;
  private readonly entries = new Map<string, Entry>();
  private readonly history: { atMs: number; opsPerSec: number }[] = [];
  private inFlight?: Promise<Snapshot>;
  private last?: Snapshot;
  private allRecords: RecordView[] = [];
  private fleet?: FleetClient;
  private lastAggregate?: { signature: string; agg: ReturnType<typeof aggregate> };
  private readonly allowPeer: (hostPort: string) => boolean;

  constructor(opts: SnapshotOptions = {}) {
    this.o = resolveSnapshotOptions(opts);
    if (this.o.fleetUrl) this.fleet = this.o.fleetClient(this.o.fleetUrl, this.o.fleetToken);
    for (const s of this.o.seeds) if (!isHostPort(s)) throw new Error(`seeds: ${JSON.stringify(s)} is not host:port`);
    this.allowPeer = this.o.allowPeer ?? peerAllowlist(this.o.seeds);
  }

  /** The last snapshot built, if any. */
  latest(): Snapshot | undefined {
    return this.last;
  }

  /** Builds a fresh snapshot; while one is being built, callers share it. */
  poll(): Promise<Snapshot> {
    this.inFlight ??= this.build().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** The HTTP address of a known peer by ID (for Data and peer-detail calls), if any. */
  addressOf(id: string): string | undefined {
    const e = this.entries.get(id);
    return e && this.allowed(e) ? e.httpAddress || undefined : undefined;
  }

  /** The controller's name for a peer ID, if it manages it. */
  fleetNameOf(id: string): string | undefined {
    return this.entries.get(id)?.fleet?.name;
  }

  /** Pages through every record of the last snapshot (problems first), filtered. */
  queryRecords(query: RecordQuery): { total: number; records: RecordView[] } {
    const q = query.q?.toLowerCase();
    const matching = this.allRecords.filter((r) =>
      (!q || r.key.toLowerCase().includes(q) || r.position.startsWith(q)) &&
      (!query.status || r.status === query.status) &&
      (!query.holder || r.holders.includes(query.holder) || r.downHolders.includes(query.holder)));
    const offset = query.offset ?? 0;
    return { total: matching.length, records: matching.slice(offset, offset + (query.limit ?? 50)) };
  }

  private async build(): Promise<Snapshot> {
    const started = Date.now();
    const fleet = await this.pollFleet(started);
    for (const s of this.o.seeds) {
      if (![...this.entries.values()].some((e) => e.httpAddress === s)) this.add({ key: `addr:${s}`, id: "", httpAddress: s, grpcAddress: "" });
      for (const e of this.entries.values()) if (e.httpAddress === s) e.mentionedAtMs = started;
    }

    let peersCapped = false;
    const polled = new Set<string>();
    for (let wave = 0; wave < this.o.crawlWaves; wave++) {
      const targets = [...this.entries.values()].filter((e) => !polled.has(e.key) && this.pollable(e));
      for (const e of this.entries.values()) if (e.httpAddress && !this.allowed(e)) e.lastError = NOT_ALLOWED;
      if (targets.length === 0) break;
      for (const e of targets) polled.add(e.key);
      const results = await mapWithConcurrency(targets, this.o.concurrency, async (e) => {
        try {
          const opts = { timeoutMs: this.o.timeoutMs, maxRecords: this.o.maxRecordsPerPeer, previous: e.data, recordsMaxAgeMs: this.o.recordsMaxAgeMs };
          return { e, data: await fetchPeerData(this.o.nodeClient(e.httpAddress), opts) };
        } catch (err) {
          return { e, error: describeError(err) };
        }
      });
      const now = Date.now();
      for (const r of results) {
        if (r.data) {
          const entry = this.settle(r.e, r.data, now);
          polled.add(entry.key);
          for (const b of r.data.buckets) for (const c of b.contacts) {
            const known = this.entries.get(c.id);
            if (known) known.mentionedAtMs = now;
            else if (c.httpAddress && c.id !== entry.id) {
              if (this.entries.size >= this.o.maxPeers) peersCapped = true;
              else this.add({ key: c.id, id: c.id, httpAddress: c.httpAddress, grpcAddress: c.grpcAddress, mentionedAtMs: now });
            }
          }
        } else {
          // Suspect before dead (as memberlist does): one missed deadline on a busy host is not a death.
          r.e.failures++;
          r.e.up = r.e.up && r.e.failures < this.o.downAfterFailures;
          r.e.lastError = r.error;
        }
      }
    }
    for (const e of this.entries.values()) {
      if (e.fleet && !this.fleetRunning(e)) {
        e.up = false;
        e.lastError = `controller: ${stateNames[e.fleet.state]}${e.fleet.lastExit ? ` (${e.fleet.lastExit})` : ""}`;
      }
      if (!e.up && !e.fleet && started - e.mentionedAtMs > this.o.forgetAfterMs) this.entries.delete(e.key);
    }
    return this.assemble(started, fleet, peersCapped);
  }

  private pollable(e: Entry): boolean {
    return Boolean(e.httpAddress) && isHostPort(e.httpAddress) && (!e.fleet || this.fleetRunning(e)) && this.allowed(e);
  }

  /**
   * Whether the dashboard may contact this entry's address: the controller lists it (or a peer
   * at the same address), or it is within the crawl allowlist. Addresses come from routing
   * tables that any peer writes, so nothing else is fetched (SSRF).
   */
  private allowed(e: Entry): boolean {
    if (e.fleet) return true;
    if (this.allowPeer(e.httpAddress)) return true;
    return [...this.entries.values()].some((o) => o.fleet && o.httpAddress === e.httpAddress);
  }

  private fleetRunning(e: Entry): boolean {
    return e.fleet?.state === PeerState.RUNNING || e.fleet?.state === PeerState.STARTING;
  }

  private add(e: Pick<Entry, "key" | "id" | "httpAddress" | "grpcAddress"> & Partial<Entry>): Entry {
    const entry: Entry = { up: false, failures: 0, mentionedAtMs: Date.now(), rates: new Map(), ...e };
    this.entries.set(entry.key, entry);
    return entry;
  }

  /** Stores a successful answer, re-keying the entry by the ID the peer reported. */
  private settle(polledEntry: Entry, data: PeerData, now: number): Entry {
    let e = polledEntry;
    if (e.key !== data.id) {
      const byId = this.entries.get(data.id);
      if (isId(e.key)) {
        // The address now answers as another peer (e.g. a port reused after a restart).
        e.up = false;
        e.lastError = `address ${e.httpAddress} now answers as ${data.id.slice(0, 8)}…`;
      } else {
        this.entries.delete(e.key);
      }
      e = byId ?? this.add({ key: data.id, id: data.id, httpAddress: polledEntry.httpAddress, grpcAddress: data.grpcAddress });
      // A "fleet:<name>" entry now knows its ID: the controller's data moves with it.
      if (!e.fleet && polledEntry.fleet && !isId(polledEntry.key)) e.fleet = polledEntry.fleet;
    }
    e.id = data.id;
    e.httpAddress = polledEntry.httpAddress;
    e.grpcAddress = data.grpcAddress || e.grpcAddress;
    // Counters that went down mean a restart: what they had reached stays in the totals.
    if (e.data) e.carried = carryOver(e.carried ?? new Map(), e.data.operations, data.operations);
    e.data = data;
    e.up = true;
    e.failures = 0;
    e.lastOkAtMs = now;
    e.lastError = undefined;
    e.mentionedAtMs = now;
    // Per-operation rates from counter deltas; a counter that went down means a restart.
    const counts = new Map(data.operations.map((o) => [o.name, o.count]));
    e.rates = new Map();
    if (e.prevCounts && now > e.prevCounts.atMs) {
      for (const [name, c] of counts) {
        const before = e.prevCounts.counts.get(name) ?? 0;
        if (c >= before) e.rates.set(name, ((c - before) * 1000) / (now - e.prevCounts.atMs));
      }
    }
    e.prevCounts = { atMs: now, counts };
    return e;
  }

  private async pollFleet(now: number): Promise<Snapshot["fleet"]> {
    if (!this.fleet) return { configured: false, ok: false };
    let peers: FleetPeer[];
    let maxPeers: number;
    try {
      const res = await this.fleet.listPeers({}, { timeoutMs: this.o.timeoutMs });
      peers = res.peers;
      maxPeers = res.maxPeers;
    } catch (err) {
      return { configured: true, ok: false, error: describeError(err) };
    }
    const listed = new Set<string>();
    for (const fp of peers) {
      const f = fp.faults;
      const faults = { partitionedFrom: [...(f?.partitionedFrom ?? [])], delayMs: f?.delayMs ?? 0, clockSkewMs: Number(f?.clockSkewMs ?? 0n), paused: f?.paused ?? false };
      const fleet = { name: fp.name, state: fp.state, pid: fp.pid, restarts: fp.restarts, lastExit: fp.lastExit, faults };
      const id = isId(fp.id) ? fp.id : "";
      let e = (id && this.entries.get(id)) || this.entries.get(`fleet:${fp.name}`);
      if (e && id && e.key !== id) {
        this.entries.delete(e.key);
        e = this.entries.get(id) ?? { ...e, key: id, id };
        this.entries.set(id, e);
      }
      e ??= this.add({ key: id || `fleet:${fp.name}`, id, httpAddress: "", grpcAddress: "" });
      e.fleet = fleet;
      if (isHostPort(fp.httpAddress)) e.httpAddress = fp.httpAddress;
      if (fp.grpcAddress) e.grpcAddress = fp.grpcAddress;
      e.mentionedAtMs = now;
      listed.add(e.key);
    }
    // Removed from the fleet: no longer managed (forgotten once nothing mentions it).
    for (const e of this.entries.values()) if (e.fleet && !listed.has(e.key)) e.fleet = undefined;
    return { configured: true, ok: true, maxPeers };
  }

  private assemble(started: number, fleet: Snapshot["fleet"], peersCapped: boolean): Snapshot {
    const entries = [...this.entries.values()];
    // Aggregation only depends on who is up and which listings they returned: skip it when neither moved.
    const signature = entries.map((e) => `${e.id}:${e.up ? 1 : 0}:${e.data?.recordsFetchedAtMs ?? 0}:${e.data?.replicationFactor ?? 0}`).join(",");
    const agg = this.lastAggregate?.signature === signature ? this.lastAggregate.agg : aggregate(entries.map((e) => ({
      id: e.id, up: e.up, records: e.data?.records ?? [], capped: e.data?.recordsCapped ?? false, replicationFactor: e.data?.replicationFactor,
    })));
    this.lastAggregate = { signature, agg };
    this.allRecords = agg.records;

    const { ops: opList, opsPerSec, downPeersCounted } = totalOps(entries.map((e) => ({ up: e.up, operations: e.data?.operations, rates: e.up ? e.rates : new Map(), carried: e.carried })));
    this.history.push({ atMs: started, opsPerSec });
    if (this.history.length > this.o.historyPoints) this.history.splice(0, this.history.length - this.o.historyPoints);

    const peers: PeerView[] = entries.map((e) => ({
      key: e.key, id: e.id, name: e.fleet?.name, httpAddress: e.httpAddress, grpcAddress: e.grpcAddress,
      status: !e.up ? "down" : e.failures > 0 ? "suspect" : "up",
      fleetState: e.fleet ? stateNames[e.fleet.state] : undefined, pid: e.fleet?.pid, restarts: e.fleet?.restarts, lastExit: e.fleet?.lastExit || undefined,
      faults: e.fleet?.faults, lastOkAtMs: e.lastOkAtMs, lastError: e.lastError,
      position: e.id ? ringFraction(e.id) : 0, ownedFraction: agg.owned.get(e.id) ?? 0,
      version: e.data?.version, startedAtMs: e.data?.startedAtMs, uptimeMs: e.data?.uptimeMs,
      replicationFactor: e.data?.replicationFactor, writeQuorum: e.data?.writeQuorum, readQuorum: e.data?.readQuorum, consistency: e.data?.consistency,
      peerTransport: e.data?.peerTransport, networkTag: e.data?.networkTag,
      contacts: e.data?.contacts ?? 0, records: e.data?.recordsTotal ?? 0, recordsFetched: e.data?.records.length ?? 0, recordsCapped: e.data?.recordsCapped ?? false,
      links: e.data ? [...new Set(e.data.buckets.flatMap((b) => b.contacts.map((c) => c.id)))] : [],
      buckets: e.data?.buckets ?? [], operations: e.data?.operations ?? [], peerRpcs: e.data?.peerRpcs ?? [],
      opsPerSec: [...e.rates.values()].reduce((a, b) => a + b, 0),
    }));
    peers.sort((a, b) => (a.name && b.name ? a.name.localeCompare(b.name, undefined, { numeric: true }) : a.name ? -1 : b.name ? 1 : a.position - b.position));

    const snapshot: Snapshot = {
      takenAtMs: started, buildMs: Date.now() - started, fleet, peers, peersCapped,
      replication: agg.replication, records: agg.records.slice(0, this.o.maxRecordsInSnapshot), recordsShown: Math.min(agg.records.length, this.o.maxRecordsInSnapshot),
      ringBins: agg.ringBins, ring: agg.ring, ops: opList, opsPerSec, opsFromDownPeers: downPeersCounted, opsHistory: [...this.history],
    };
    this.last = snapshot;
    return snapshot;
  }
}
