import { z } from "zod";
import { nodeClient } from "../../../../../lib/clients";
import { errorResponse, state } from "../../../../../lib/server";
import { zodMessage } from "../../../../../lib/validate";
import type { PeerRecordsPage } from "../../../../../lib/data-types";

export const dynamic = "force-dynamic";

const Query = z.object({
  prefix: z.string().max(1024).default(""),
  pageToken: z.string().max(4096).default(""),
  pageSize: z.coerce.number().int().min(1).max(1000).default(50),
});

/** GET /api/peers/<id>/records?prefix=&pageToken=&pageSize=: one page of the peer's LocalRecords. */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  if (!/^[0-9a-f]{64}$/.test(id)) return Response.json({ error: "id: must be 64 lowercase hex" }, { status: 400 });
  const parsed = Query.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!parsed.success) return Response.json({ error: zodMessage(parsed.error) }, { status: 400 });
  try {
    const { collector, config } = state();
    const address = collector.addressOf(id);
    if (!address) return Response.json({ error: "id: not a known peer" }, { status: 404 });
    const r = await nodeClient(address).localRecords(parsed.data, { timeoutMs: config.timeoutMs * 3 });
    const page: PeerRecordsPage = {
      total: Number(r.total),
      nextPageToken: r.nextPageToken,
      records: r.records.map((x) => ({
        key: x.key, position: x.position, tombstone: x.tombstone, sizeBytes: x.sizeBytes,
        version: { wallTimeMs: Number(x.version?.wallTimeMs ?? 0), logical: x.version?.logical ?? 0, writer: x.version?.writer ?? "" },
      })),
    };
    return Response.json(page, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
