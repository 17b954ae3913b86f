/**
 * One peer's data for a snapshot: Info, RoutingTable, Stats and its LocalRecords pages,
 * fetched in parallel under one deadline. All or nothing: a peer that does not answer every
 * call in time is "down" for this poll, and the caller keeps its previous data.
 */
import { ConnectError } from "@connectrpc/connect";
import type { OperationStats } from "@p2p/proto/node";
import { isId } from "./ids";
import { isHostPort, type NodeClient } from "./clients";
import type { HeldRecord } from "./aggregate";
import type { BucketView, OpStatView } from "./snapshot-types";

export interface PeerData {
  id: string;
  httpAddress: string;
  grpcAddress: string;
  version: string;
  startedAtMs: number;
  uptimeMs: number;
  contacts: number;
  recordsTotal: number;
  replicationFactor: number;
  writeQuorum: number;
  readQuorum: number;
  /** "strong" or "weak" (W + Rq ≤ R, chosen on purpose); "" from a peer that does not say. */
  consistency: string;
  /** "tls" or "insecure" (--insecure: plaintext between peers); "" from a peer that does not say. */
  peerTransport: string;
  /** The private network's tag, "" on an open network. */
  networkTag: string;
  buckets: BucketView[];
  operations: OpStatView[];
  peerRpcs: OpStatView[];
  records: HeldRecord[];
  /** The peer holds more records than were fetched. */
  recordsCapped: boolean;
  /** When `records` was fetched (reused listings keep their original time). */
  recordsFetchedAtMs: number;
}

export interface FetchOptions {
  /** Deadline for all of this peer's calls together, in ms. */
  timeoutMs: number;
  /** Stop paging LocalRecords after this many records. */
  maxRecords: number;
  /** The previous answer of this peer: its record listing is reused when still fresh. */
  previous?: PeerData;
  /**
   * Reuse the previous listing while the peer's record count is unchanged and the listing is
   * younger than this. Listing every record of every peer each second is most of a snapshot's
   * cost; counts catch puts, deletes, hand-offs and repairs at once. Default 10 s.
   */
  recordsMaxAgeMs?: number;
}

const PAGE_SIZE = 1000; // LocalRecords' largest page
// int64 fields are numbers with jstype = JS_NUMBER and bigints without: Number() takes both.

function opStats(list: readonly OperationStats[]): OpStatView[] {
  return list.map((o) => ({ name: o.name, count: Number(o.count), errors: Number(o.errors), p50Ms: o.p50Ms, p99Ms: o.p99Ms }));
}

/** A short, user-facing reason for a failed poll ("deadline exceeded", "unavailable: connect ECONNREFUSED …"). */
export function describeError(err: unknown): string {
  const ce = ConnectError.from(err);
  return ce.rawMessage ? `${codeName(ce.code)}: ${ce.rawMessage}` : codeName(ce.code);
}

function codeName(code: number): string {
  const names = ["ok", "canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists", "permission_denied",
    "resource_exhausted", "failed_precondition", "aborted", "out_of_range", "unimplemented", "internal", "unavailable", "data_loss", "unauthenticated"];
  return names[code] ?? `code ${code}`;
}

/**
 * Fetches everything the dashboard shows about one peer. Throws when any call fails, times
 * out, or the answer is malformed (e.g. an ID that is not 64 lowercase hex characters).
 */
export async function fetchPeerData(client: NodeClient, opts: FetchOptions): Promise<PeerData> {
  const deadline = Date.now() + opts.timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  const fetchRecords = async () => {
    const records: HeldRecord[] = [];
    let token = "";
    let total = 0;
    do {
      const page = await client.localRecords({ pageSize: Math.min(PAGE_SIZE, opts.maxRecords - records.length), pageToken: token }, { timeoutMs: left() });
      total = Number(page.total);
      for (const r of page.records) {
        const v = r.version;
        records.push({ key: r.key, position: r.position, tombstone: r.tombstone, version: { wallTimeMs: Number(v?.wallTimeMs ?? 0), logical: v?.logical ?? 0, writer: v?.writer ?? "" } });
      }
      token = page.nextPageToken;
    } while (token && records.length < opts.maxRecords);
    return { records, total, capped: Boolean(token) || total > records.length };
  };
  const prev = opts.previous;
  const started = Date.now();
  const infoCall = client.info({}, { timeoutMs: left() });
  // Without a previous listing, list at once (in parallel); otherwise only if the count moved or it aged.
  const recordsCall = prev
    ? infoCall.then((info) =>
        info.id === prev.id && Number(info.records) === prev.recordsTotal && started - prev.recordsFetchedAtMs < (opts.recordsMaxAgeMs ?? 10_000)
          ? { records: prev.records, total: prev.recordsTotal, capped: prev.recordsCapped, fetchedAtMs: prev.recordsFetchedAtMs }
          : fetchRecords().then((r) => ({ ...r, fetchedAtMs: started })))
    : fetchRecords().then((r) => ({ ...r, fetchedAtMs: started }));
  const [info, table, stats, recs] = await Promise.all([
    infoCall,
    client.routingTable({}, { timeoutMs: left() }),
    client.stats({}, { timeoutMs: left() }),
    recordsCall,
  ]);
  if (!isId(info.id)) throw new Error(`peer answered Info with an invalid id ${JSON.stringify(info.id.slice(0, 80))}`);
  const buckets: BucketView[] = table.buckets.map((b) => ({
    index: b.index,
    refreshedAtMs: Number(b.refreshedAtMs),
    contacts: b.contacts
      .filter((c) => c.peer && isId(c.peer.id))
      .map((c) => ({
        id: c.peer!.id,
        grpcAddress: c.peer!.grpcAddress,
        httpAddress: isHostPort(c.peer!.httpAddress) ? c.peer!.httpAddress : "",
        lastSeenMs: Number(c.lastSeenMs),
        failures: c.failures,
      })),
  }));
  return {
    id: info.id,
    httpAddress: info.httpAddress,
    grpcAddress: info.grpcAddress,
    version: info.version,
    startedAtMs: Number(info.startedAtMs),
    uptimeMs: Number(info.uptimeMs),
    contacts: info.contacts,
    recordsTotal: Math.max(Number(info.records), recs.total),
    replicationFactor: info.replicationFactor,
    writeQuorum: info.writeQuorum,
    readQuorum: info.readQuorum,
    consistency: info.consistency,
    peerTransport: info.peerTransport,
    networkTag: info.networkTag,
    buckets,
    operations: opStats(stats.operations),
    peerRpcs: opStats(stats.peerRpcs),
    records: recs.records,
    recordsCapped: recs.capped,
    recordsFetchedAtMs: recs.fetchedAtMs,
  };
}
