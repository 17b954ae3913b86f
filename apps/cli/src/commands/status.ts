/**
 * `p2p status`: the network at a glance from one peer: its Info, routing table size,
 * replication health, and the /healthz of every peer in its routing table (short deadline,
 * all at once).
 */
import { toJson } from "@bufbuild/protobuf";
import { InfoResponseSchema, ReplicationHealthResponseSchema } from "@p2p/proto/node";
import { unaryCall } from "../clients.js";
import { ago, emit, type CommandContext } from "../context.js";
import { describeFailure } from "../errors.js";
import { shortId } from "../lookup-trace.js";
import { contactRows, type ContactRow } from "./peers.js";

/** Deadline of each /healthz probe: a healthy peer answers in milliseconds. */
const HEALTH_TIMEOUT_MS = 2000;

export interface PeerHealth {
  id: string;
  httpAddress: string;
  healthy: boolean;
  /** /healthz status ("ok", "left") or the failure. */
  status: string;
  ms?: number;
}

async function probe(row: ContactRow, timeoutMs: number, signal: AbortSignal): Promise<PeerHealth> {
  const base = { id: row.id, httpAddress: row.httpAddress };
  if (!row.httpAddress) return { ...base, healthy: false, status: "no HTTP address known" };
  const url = `http://${row.httpAddress}/healthz`;
  const began = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
    const body = (await res.json().catch(() => ({}))) as { status?: string };
    return { ...base, healthy: res.ok, status: body.status ?? `HTTP ${res.status}`, ms: Math.round(performance.now() - began) };
  } catch (err) {
    return { ...base, healthy: false, status: describeFailure(err, { peer: url }).message };
  }
}

export async function status(ctx: CommandContext): Promise<void> {
  const call = unaryCall(ctx.opts, ctx.signal);
  const [info, table, health] = await Promise.all([ctx.client.info({}, call), ctx.client.routingTable({}, call), ctx.client.replicationHealth({}, call)]);
  const rows = contactRows(table);
  const probes = await Promise.all(rows.map((r) => probe(r, Math.min(HEALTH_TIMEOUT_MS, ctx.opts.timeoutMs), ctx.signal)));
  const healthy = probes.filter((p) => p.healthy).length;
  const json = {
    peer: toJson(InfoResponseSchema, info),
    routingTable: { contacts: rows.length, buckets: table.buckets.length, bucketSize: table.bucketSize },
    replication: toJson(ReplicationHealthResponseSchema, health),
    peers: probes,
    healthyPeers: healthy,
  };
  const text = [
    `peer        ${shortId(info.id)} ${info.httpAddress} (grpc ${info.grpcAddress}), version ${info.version}, up ${Math.round(Number(info.uptimeMs) / 1000)}s`,
    `records     ${info.records} held; R=${info.replicationFactor} W=${info.writeQuorum} Rq=${info.readQuorum} (${info.consistency})`,
    `routing     ${rows.length} contacts in ${table.buckets.length} buckets (k=${table.bucketSize})`,
    `replication ${health.recordsPrimary} primary, ${health.recordsReplica} replica, ${health.recordsHandoff} hand-off, ${health.underReplicated} under-replicated; last repair ${ago(health.lastRepairAtMs)}`,
    `peers       ${healthy} of ${probes.length} healthy`,
    ...probes.map((p) => `  ${p.healthy ? "ok  " : "FAIL"} ${shortId(p.id)} ${p.httpAddress || "-"} ${p.healthy ? `${p.ms} ms` : p.status}`),
  ];
  emit(ctx, json, text, false);
}
