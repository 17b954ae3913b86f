import { z } from "zod";
import type { FleetPeer } from "@p2p/proto/fleet";
import { errorResponse, state, ACTION_TIMEOUT_MS } from "../../../../lib/server";
import { peerRef as peer, readJson, zodMessage } from "../../../../lib/validate";

export const dynamic = "force-dynamic";

/** The controller's bounds (fleet.proto, SetPeerFaultsRequest), checked here so the message names our field. */
const MAX_DELAY_MS = 60_000;
const MAX_SKEW_MS = 86_400_000;

const Body = z.discriminatedUnion("action", [
  z.object({
    action: z.literal("partition"),
    groups: z.array(z.array(peer).min(1, "a group must not be empty").max(256)).min(2, "a partition needs at least 2 groups").max(16),
  }).superRefine((b, ctx) => {
    const seen = new Map<string, number>();
    b.groups.forEach((g, i) => g.forEach((p) => {
      const other = seen.get(p);
      if (other !== undefined) ctx.addIssue({ code: "custom", path: ["groups", i], message: `${p} is already in groups.${other}` });
      seen.set(p, i);
    }));
  }),
  z.object({ action: z.literal("heal") }),
  z.object({
    action: z.literal("set"),
    peer,
    delayMs: z.number().int("must be an integer").min(0, "at least 0").max(MAX_DELAY_MS, `at most ${MAX_DELAY_MS}`).optional(),
    clockSkewMs: z.number().int("must be an integer").min(-MAX_SKEW_MS, `at least -${MAX_SKEW_MS}`).max(MAX_SKEW_MS, `at most ${MAX_SKEW_MS}`).optional(),
  }).refine((b) => b.delayMs !== undefined || b.clockSkewMs !== undefined, { message: "give delayMs or clockSkewMs", path: ["delayMs"] }),
  z.object({ action: z.enum(["pause", "resume"]), peer }),
]);

/** "delay 200 ms, clock skew -1500 ms" for a peer the controller answered with. */
function describeFaults(p: FleetPeer | undefined): string {
  const f = p?.faults;
  return f ? `delay ${f.delayMs} ms, clock skew ${f.clockSkewMs > 0n ? "+" : ""}${f.clockSkewMs} ms` : "faults set";
}

/**
 * POST /api/fleet/faults: injects or ends faults through the controller.
 * {action: "partition", groups: [[names], [names], ...]} | {action: "heal"} |
 * {action: "set", peer, delayMs?, clockSkewMs?} | {action: "pause" | "resume", peer}.
 */
export async function POST(req: Request): Promise<Response> {
  let body: z.infer<typeof Body>;
  try {
    const parsed = Body.safeParse(await readJson(req, 16_384));
    if (!parsed.success) return Response.json({ error: zodMessage(parsed.error) }, { status: 400 });
    body = parsed.data;
  } catch (err) {
    return errorResponse(err, 400);
  }
  try {
    const { fleet, collector } = state();
    if (!fleet) return Response.json({ error: "no fleet controller configured (FLEET_URL)" }, { status: 404 });
    const opts = { timeoutMs: ACTION_TIMEOUT_MS };
    let message: string;
    switch (body.action) {
      case "partition":
        await fleet.partition({ groups: body.groups.map((peers) => ({ peers })) }, opts);
        message = `partitioned ${body.groups.map((g) => g.join(", ")).join(" | ")}`;
        break;
      case "heal":
        await fleet.heal({}, opts);
        message = "healed every fault";
        break;
      case "set": {
        const r = await fleet.setPeerFaults({ peer: body.peer, delayMs: body.delayMs, clockSkewMs: body.clockSkewMs === undefined ? undefined : BigInt(body.clockSkewMs) }, opts);
        message = `${r.peer?.name ?? body.peer}: ${describeFaults(r.peer)}`;
        break;
      }
      case "pause": message = `paused ${(await fleet.pausePeer({ peer: body.peer }, opts)).peer?.name ?? body.peer}`; break;
      case "resume": message = `resumed ${(await fleet.resumePeer({ peer: body.peer }, opts)).peer?.name ?? body.peer}`; break;
    }
    // Refresh now so the next snapshot the browser fetches shows the faults.
    void collector.poll().catch(() => {});
    return Response.json({ ok: true, message });
  } catch (err) {
    return errorResponse(err);
  }
}
