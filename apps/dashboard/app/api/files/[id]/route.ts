import { state } from "../../../../lib/server";
import { attachmentDisposition, capBytes, dispositionFilename } from "../../../../lib/security/attachment";
import { FILE_ID, fileServingPeer } from "../peer-address";

export const dynamic = "force-dynamic";

// Only framing headers pass; type and disposition are the dashboard's own (lib/security/attachment).
const PASSED = ["content-length", "content-range", "accept-ranges", "etag"];

/**
 * GET /api/files/<id>[?peer=<id>]: streams the file from that peer (Range passed through), as
 * an attachment of application/octet-stream; 413 beyond DASHBOARD_MAX_DOWNLOAD_BYTES.
 */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  if (!FILE_ID.test(id)) return Response.json({ error: "id: must be a file ID (64 lowercase hex)" }, { status: 400 });
  const peer = await fileServingPeer(req);
  if ("error" in peer) return Response.json({ error: peer.error }, { status: peer.status });
  const max = state().config.maxDownloadBytes;
  const range = req.headers.get("range");
  try {
    const res = await fetch(`http://${peer.address}/files/${id}`, { headers: range ? { range } : {}, signal: req.signal });
    if (!res.ok || !res.body) return new Response(res.body, { status: res.status, headers: { "content-type": "application/json", "x-content-type-options": "nosniff" } });
    if (Number(res.headers.get("content-length") ?? 0) > max) {
      await res.body.cancel();
      return Response.json({ error: `file: larger than the dashboard's limit of ${max} bytes (DASHBOARD_MAX_DOWNLOAD_BYTES)` }, { status: 413 });
    }
    const headers = new Headers({
      "content-type": "application/octet-stream",
      "content-disposition": attachmentDisposition(dispositionFilename(res.headers.get("content-disposition")) ?? `${id.slice(0, 16)}.bin`),
      "x-content-type-options": "nosniff",
      "cache-control": "no-store",
    });
    for (const h of PASSED) {
      const v = res.headers.get(h);
      if (v) headers.set(h, v);
    }
    return new Response(capBytes(res.body, max), { status: res.status, headers });
  } catch (err) {
    return Response.json({ error: `download through ${peer.id.slice(0, 8)} failed: ${(err as Error).message}` }, { status: 502 });
  }
}
