import { chaosRunView } from "../../../../../lib/chaos";
import type { ChaosRunsResponse } from "../../../../../lib/chaos-types";
import { errorResponse, state } from "../../../../../lib/server";

export const dynamic = "force-dynamic";

/** GET /api/fleet/chaos/runs: the controller's chaos runs, newest first, without anomaly details or per-second counts. */
export async function GET(): Promise<Response> {
  try {
    const { fleet, config } = state();
    if (!fleet) return Response.json({ error: "no fleet controller configured (FLEET_URL)" }, { status: 404 });
    const r = await fleet.listChaosRuns({}, { timeoutMs: config.timeoutMs * 3 });
    // The list shows totals: per-second counts (3600 of each for an hour's run) stay out of it.
    const runs = r.runs.map((run) => ({ ...chaosRunView(run), okPerSecond: [], errorsPerSecond: [] }));
    return Response.json({ runs } satisfies ChaosRunsResponse, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
