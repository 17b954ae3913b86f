import { errorResponse, state } from "../../../lib/server";
import { isSnapshotView, sliceSnapshot } from "../../../lib/snapshot-slice";

export const dynamic = "force-dynamic";

/** Snapshots younger than this are shared between callers (several tabs poll once a second). */
const FRESH_MS = 500;

/**
 * GET /api/snapshot[?view=overview|topology|ring|peers|peer|full][&peer=<key|id|name>]: the
 * network as of now (see lib/snapshot-types.ts), sliced to what the asking page draws
 * (lib/snapshot-slice.ts); without a view, the whole snapshot.
 */
export async function GET(req: Request): Promise<Response> {
  const params = new URL(req.url).searchParams;
  const view = params.get("view") ?? "full";
  if (!isSnapshotView(view)) return Response.json({ error: `view: must be one of full, overview, topology, ring, peers, peer` }, { status: 400 });
  try {
    const { collector } = state();
    const last = collector.latest();
    const snap = last && Date.now() - last.takenAtMs < FRESH_MS ? last : await collector.poll();
    return Response.json(sliceSnapshot(snap, view, params.get("peer") ?? undefined), { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
