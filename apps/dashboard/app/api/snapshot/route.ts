import { errorResponse, state } from "../../../lib/server";

export const dynamic = "force-dynamic";

/** Snapshots younger than this are shared between callers (several tabs poll once a second). */
const FRESH_MS = 500;

/** GET /api/snapshot: the network as of now (see lib/snapshot-types.ts). */
export async function GET(): Promise<Response> {
  try {
    const { collector } = state();
    const last = collector.latest();
    const snap = last && Date.now() - last.takenAtMs < FRESH_MS ? last : await collector.poll();
    return Response.json(snap, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
