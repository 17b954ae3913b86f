import { z } from "zod";
import type { PeerRef, Version } from "@p2p/proto/types";
import type { LookupTrace } from "@p2p/proto/types";
import { nodeClient } from "../../../lib/clients";
import { ACTION_TIMEOUT_MS, errorResponse, state } from "../../../lib/server";
import { readJson, zodMessage } from "../../../lib/validate";
import type { DataResult, ReplicaView } from "../../../lib/data-types";
import type { VersionView } from "../../../lib/snapshot-types";

export const dynamic = "force-dynamic";

const MAX_VALUE_BYTES = 1 << 20; // the peers' default value limit; they enforce their own
const key = z.string().min(1, "must not be empty").refine((k) => Buffer.byteLength(k) <= 1024, "at most 1024 bytes");
const peer = z.string().regex(/^[0-9a-f]{64}$/, "must be a peer ID (64 lowercase hex)");
const Body = z.discriminatedUnion("op", [
  z.object({ op: z.literal("put"), peer, key, value: z.string().refine((v) => Buffer.byteLength(v) <= MAX_VALUE_BYTES, "larger than 1 MiB") }),
  z.object({ op: z.literal("get"), peer, key }),
  z.object({ op: z.literal("delete"), peer, key }),
]);

const version = (v?: Version): VersionView | undefined => (v ? { wallTimeMs: Number(v.wallTimeMs), logical: v.logical, writer: v.writer } : undefined);
const ref = (p?: PeerRef) => ({ id: p?.id ?? "", httpAddress: p?.httpAddress ?? "" });
const trace = (t?: LookupTrace): DataResult["trace"] =>
  t && {
    target: t.target, totalMs: t.totalMs, hops: t.hops,
    steps: t.steps.map((s) => ({ ...ref(s.peer), sentAtMs: s.sentAtMs, durationMs: s.durationMs, ok: s.ok, error: s.error, closerContacts: s.closerContacts, hadRecord: s.hadRecord })),
  };

/** POST /api/data {op: "put"|"get"|"delete", peer: <id>, key, value?}: runs the call through that peer. */
export async function POST(req: Request): Promise<Response> {
  let body: z.infer<typeof Body>;
  try {
    const parsed = Body.safeParse(await readJson(req, MAX_VALUE_BYTES * 2));
    if (!parsed.success) return Response.json({ error: zodMessage(parsed.error) }, { status: 400 });
    body = parsed.data;
  } catch (err) {
    return errorResponse(err, 400);
  }
  try {
    const { collector } = state();
    if (!collector.latest()) await collector.poll();
    const address = collector.addressOf(body.peer);
    if (!address) return Response.json({ error: "peer: not a known peer" }, { status: 404 });
    const client = nodeClient(address);
    const started = Date.now();
    const opts = { timeoutMs: ACTION_TIMEOUT_MS };
    let result: DataResult;
    // Every call is traced: the Data page draws its spans (GetTrace through /api/trace).
    let traceId: string;
    if (body.op === "get") {
      const r = await client.get({ key: body.key, trace: true }, opts);
      traceId = r.traceId;
      result = {
        op: "get", via: body.peer, key: r.key, position: r.position, value: r.value, version: version(r.version), elapsedMs: 0, trace: trace(r.trace),
        replicas: r.replicas.map((s): ReplicaView => ({ ...ref(s.peer), ok: s.answered, version: version(s.version), tombstone: s.tombstone, repaired: s.repaired })),
      };
    } else {
      const r = body.op === "put" ? await client.put({ key: body.key, value: body.value, trace: true }, opts) : await client.delete({ key: body.key, trace: true }, opts);
      traceId = r.traceId;
      const acked = new Set(r.acknowledgedBy);
      result = {
        op: body.op, via: body.peer, key: r.key, position: r.position, version: version(r.version), elapsedMs: 0,
        replicas: r.replicas.map((p): ReplicaView => ({ ...ref(p), ok: acked.has(p.id) })),
      };
    }
    result.elapsedMs = Date.now() - started;
    return Response.json({ ...result, traceId });
  } catch (err) {
    return errorResponse(err);
  }
}
