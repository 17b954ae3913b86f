import { state } from "../../../../../lib/server";
import { FILE_ID, fileServingPeer } from "../../peer-address";

export const dynamic = "force-dynamic";

/** GET /api/files/<id>/chunks: each chunk's ring position and replica set, as a peer sees them. */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  if (!FILE_ID.test(id)) return Response.json({ error: "id: must be a file ID (64 lowercase hex)" }, { status: 400 });
  const peer = await fileServingPeer(req);
  if ("error" in peer) return Response.json({ error: peer.error }, { status: peer.status });
  try {
    const res = await fetch(`http://${peer.address}/files/${id}/chunks`, { signal: AbortSignal.timeout(state().config.timeoutMs * 10) });
    return new Response(res.body, { status: res.status, headers: { "content-type": "application/json", "cache-control": "no-store" } });
  } catch (err) {
    return Response.json({ error: `chunk locations from ${peer.id.slice(0, 8)} failed: ${(err as Error).message}` }, { status: 502 });
  }
}
