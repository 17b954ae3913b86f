import { FILE_ID, fileServingPeer } from "../peer-address";

export const dynamic = "force-dynamic";

const PASSED = ["content-type", "content-length", "content-disposition", "content-range", "accept-ranges", "etag"];

/** GET /api/files/<id>[?peer=<id>]: streams the file from that peer (Range passed through). */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  if (!FILE_ID.test(id)) return Response.json({ error: "id: must be a file ID (64 lowercase hex)" }, { status: 400 });
  const peer = await fileServingPeer(req);
  if ("error" in peer) return Response.json({ error: peer.error }, { status: peer.status });
  const range = req.headers.get("range");
  try {
    const res = await fetch(`http://${peer.address}/files/${id}`, { headers: range ? { range } : {}, signal: req.signal });
    const headers = new Headers();
    for (const h of PASSED) {
      const v = res.headers.get(h);
      if (v) headers.set(h, v);
    }
    return new Response(res.body, { status: res.status, headers });
  } catch (err) {
    return Response.json({ error: `download through ${peer.id.slice(0, 8)} failed: ${(err as Error).message}` }, { status: 502 });
  }
}
