import { nodeClient } from "../../../lib/clients";
import { ACTION_TIMEOUT_MS, errorResponse, state } from "../../../lib/server";
import type { TraceView } from "../../../components/trace/trace-types";

export const dynamic = "force-dynamic";

/** GET /api/trace?peer=<id>&traceId=<hex>: the trace's spans from that peer's GetTrace (with its replicas'). */
export async function GET(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const peer = url.searchParams.get("peer") ?? "";
  const traceId = url.searchParams.get("traceId") ?? "";
  if (!/^[0-9a-f]{64}$/.test(peer)) return Response.json({ error: "peer: must be a peer ID (64 lowercase hex)" }, { status: 400 });
  if (!/^[0-9a-f]{32}$/.test(traceId)) return Response.json({ error: "traceId: must be 32 lowercase hex characters" }, { status: 400 });
  try {
    const { collector } = state();
    if (!collector.latest()) await collector.poll();
    const address = collector.addressOf(peer);
    if (!address) return Response.json({ error: "peer: not a known peer" }, { status: 404 });
    const r = await nodeClient(address).getTrace({ traceId }, { timeoutMs: ACTION_TIMEOUT_MS });
    const view: TraceView = {
      traceId: r.traceId,
      unreachablePeers: r.unreachablePeers,
      spans: r.spans.map((s) => ({
        name: s.name, spanId: s.spanId, parentId: s.parentId, peerId: s.peerId, startOffsetMs: s.startOffsetMs, durationMs: s.durationMs,
        kind: s.kind, status: s.status, error: s.error, attributes: { ...s.attributes },
      })),
    };
    return Response.json(view);
  } catch (err) {
    return errorResponse(err);
  }
}
