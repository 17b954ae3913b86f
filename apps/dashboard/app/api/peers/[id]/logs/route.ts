import { errorResponse, state } from "../../../../../lib/server";

export const dynamic = "force-dynamic";

/** GET /api/peers/<id or fleet name>/logs: the controller's recent log lines of that peer. */
export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(id)) return Response.json({ error: "id: must be a peer ID or name" }, { status: 400 });
  try {
    const { fleet, collector, config } = state();
    if (!fleet) return Response.json({ error: "no fleet controller configured (FLEET_URL)" }, { status: 404 });
    const r = await fleet.peerLogs({ peer: collector.fleetNameOf(id) ?? id, limit: 200 }, { timeoutMs: config.timeoutMs * 3 });
    return Response.json({ lines: r.lines }, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
