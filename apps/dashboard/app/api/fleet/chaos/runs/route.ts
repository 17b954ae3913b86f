import { chaosRunView } from "../../../../../lib/chaos";
import type { ChaosRunsResponse } from "../../../../../lib/chaos-types";
import { errorResponse, state } from "../../../../../lib/server";

export const dynamic = "force-dynamic";

/** GET /api/fleet/chaos/runs: the controller's chaos runs, newest first, without anomaly details. */
export async function GET(): Promise<Response> {
  try {
    const { fleet, config } = state();
    if (!fleet) return Response.json({ error: "no fleet controller configured (FLEET_URL)" }, { status: 404 });
    const r = await fleet.listChaosRuns({}, { timeoutMs: config.timeoutMs * 3 });
    return Response.json({ runs: r.runs.map((run) => chaosRunView(run)) } satisfies ChaosRunsResponse, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
