import { z } from "zod";
import { errorResponse, state, ACTION_TIMEOUT_MS } from "../../../lib/server";
import { peerRef as peer, readJson, zodMessage } from "../../../lib/validate";

export const dynamic = "force-dynamic";

const Body = z.discriminatedUnion("action", [
  z.object({ action: z.literal("spawn"), count: z.number().int().min(1, "at least 1").max(200, "at most 200") }),
  z.object({ action: z.enum(["stop", "kill", "restart", "remove"]), peer }),
]);

/** POST /api/fleet {action: "spawn", count} | {action: "stop"|"kill"|"restart"|"remove", peer}: forwards to the controller. */
export async function POST(req: Request): Promise<Response> {
  let body: z.infer<typeof Body>;
  try {
    const parsed = Body.safeParse(await readJson(req, 4096));
    if (!parsed.success) return Response.json({ error: zodMessage(parsed.error) }, { status: 400 });
    body = parsed.data;
  } catch (err) {
    return errorResponse(err, 400);
  }
  try {
    const { fleet, collector } = state();
    if (!fleet) return Response.json({ error: "no fleet controller configured (FLEET_URL)" }, { status: 404 });
    // Spawning 50 peers waits for each to be ready: allow more than a single action's deadline.
    const opts = { timeoutMs: body.action === "spawn" ? ACTION_TIMEOUT_MS * 6 : ACTION_TIMEOUT_MS };
    let message: string;
    switch (body.action) {
      case "spawn": {
        const r = await fleet.spawnPeers({ count: body.count }, opts);
        message = `spawned ${r.peers.map((p) => p.name).join(", ")}`;
        break;
      }
      case "stop": message = `stopped ${(await fleet.stopPeer({ peer: body.peer }, opts)).peer?.name ?? body.peer}`; break;
      case "kill": message = `killed ${(await fleet.killPeer({ peer: body.peer }, opts)).peer?.name ?? body.peer}`; break;
      case "restart": message = `restarted ${(await fleet.restartPeer({ peer: body.peer }, opts)).peer?.name ?? body.peer}`; break;
      case "remove": message = `removed ${(await fleet.removePeer({ peer: body.peer }, opts)).name || body.peer}`; break;
    }
    // Refresh now so the next snapshot the browser fetches shows the outcome.
    void collector.poll().catch(() => {});
    return Response.json({ ok: true, message });
  } catch (err) {
    return errorResponse(err);
  }
}
