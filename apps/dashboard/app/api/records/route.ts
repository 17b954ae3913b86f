import { z } from "zod";
import { errorResponse, state } from "../../../lib/server";

export const dynamic = "force-dynamic";

const Query = z.object({
  q: z.string().max(1024).optional(),
  status: z.enum(["healthy", "under", "unavailable"]).optional(),
  holder: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex").optional(),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/** GET /api/records?q=&status=&holder=&offset=&limit=: every aggregated record of the last snapshot, paged. */
export async function GET(req: Request): Promise<Response> {
  const params = Object.fromEntries(new URL(req.url).searchParams);
  const parsed = Query.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return Response.json({ error: `${issue.path.join(".")}: ${issue.message}` }, { status: 400 });
  }
  try {
    const { collector } = state();
    if (!collector.latest()) await collector.poll();
    return Response.json(collector.queryRecords(parsed.data), { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
