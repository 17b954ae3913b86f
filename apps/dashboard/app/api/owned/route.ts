import { z } from "zod";
import { ConnectError, Code } from "@connectrpc/connect";
import { nodeClient } from "../../../lib/clients";
import { ACTION_TIMEOUT_MS, errorResponse, state } from "../../../lib/server";
import { zodMessage } from "../../../lib/validate";
import { ownedView } from "../../../lib/owned-view";
import type { OwnedView } from "../../../lib/data-types";

export const dynamic = "force-dynamic";

/** Owned records listed per request at most (each costs a quorum read). */
const MAX_LISTED = 25;
const Query = z.object({
  peer: z.string().regex(/^[0-9a-f]{64}$/, "must be a peer ID (64 lowercase hex)"),
  owner: z.string().regex(/^[0-9a-fA-F]{64}$/, "must be a public key (64 hex)").optional(),
  salt: z.string().refine((s) => Buffer.byteLength(s) <= 64, "at most 64 bytes").optional(),
});

/**
 * GET /api/owned?peer=<id>&owner=<public key>[&salt=]: one owned record read through that peer.
 * GET /api/owned?peer=<id>: the owned records that peer holds (at most 25), each read by key.
 * Every record's signature is checked here (lib/owned-view.ts).
 */
export async function GET(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const parsed = Query.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) return Response.json({ error: zodMessage(parsed.error) }, { status: 400 });
  const q = parsed.data;
  try {
    const { collector } = state();
    if (!collector.latest()) await collector.poll();
    const address = collector.addressOf(q.peer);
    if (!address) return Response.json({ error: "peer: not a known peer" }, { status: 404 });
    const client = nodeClient(address);
    const opts = { timeoutMs: ACTION_TIMEOUT_MS };
    if (q.owner !== undefined) {
      const r = await client.getOwned({ publicKey: q.owner.toLowerCase(), salt: q.salt ?? "" }, opts);
      return Response.json({ records: [ownedView(r, true)] });
    }
    const page = await client.localRecords({ prefix: "owned/", pageSize: MAX_LISTED }, opts);
    const records = await Promise.all(
      page.records.map(async (r): Promise<OwnedView | undefined> => {
        try {
          return ownedView(await client.getOwned({ key: r.key }, opts), false);
        } catch (err) {
          // Gone since the listing (hand-off): skip it rather than fail the list.
          if (ConnectError.from(err).code === Code.NotFound) return undefined;
          throw err;
        }
      }),
    );
    return Response.json({ records: records.filter((r) => r !== undefined), capped: page.nextPageToken !== "" });
  } catch (err) {
    return errorResponse(err);
  }
}
