import { Code, ConnectError } from "@connectrpc/connect";
import { z } from "zod";
import { chaosRunView } from "../../../../lib/chaos";
import { CHAOS_FAULT_KINDS, type ChaosRunResponse } from "../../../../lib/chaos-types";
import { errorResponse, state, ACTION_TIMEOUT_MS } from "../../../../lib/server";
import { readJson, zodMessage } from "../../../../lib/validate";

export const dynamic = "force-dynamic";

/** A run ID as the controller makes them ("2026-11-28T10-52-11-000Z-seed-42"). */
const RunId = z.string().max(200).regex(/^[A-Za-z0-9._:-]*$/, "must be a chaos run ID");

// Ranges from fleet.proto (StartChaosRequest); 0 or absent means the controller's default.
const Body = z.discriminatedUnion("action", [
  z.object({
    action: z.literal("start"),
    seed: z.number().int("must be an integer").min(0, "at least 0").max(Number.MAX_SAFE_INTEGER).optional(),
    seconds: z.number().int("must be an integer").refine((v) => v === 0 || (v >= 5 && v <= 3600), "must be from 5 to 3600 (0: the default, 60)").optional(),
    clients: z.number().int("must be an integer").min(0, "must not be negative (0: the default, 8)").max(64, "at most 64").optional(),
    keys: z.number().int("must be an integer").min(0, "must not be negative (0: the default, 40)").max(10_000, "at most 10000").optional(),
    faults: z.array(z.enum(CHAOS_FAULT_KINDS, `must be one of ${CHAOS_FAULT_KINDS.join(", ")}`)).max(CHAOS_FAULT_KINDS.length).optional(),
  }),
  z.object({ action: z.literal("stop") }),
]);

/** GET /api/fleet/chaos?id=<run id>: that run (the latest without an ID), or {run: null} when there is none yet. */
export async function GET(req: Request): Promise<Response> {
  const id = RunId.safeParse(new URL(req.url).searchParams.get("id") ?? "");
  if (!id.success) return Response.json({ error: `id: ${id.error.issues[0]?.message}` }, { status: 400 });
  try {
    const { fleet, config } = state();
    if (!fleet) return Response.json({ error: "no fleet controller configured (FLEET_URL)" }, { status: 404 });
    let body: ChaosRunResponse;
    try {
      const r = await fleet.getChaosRun({ id: id.data }, { timeoutMs: config.timeoutMs * 3 });
      body = { run: r.run ? chaosRunView(r.run) : null };
    } catch (err) {
      // No run yet is a state of the controller, not a failure; an unknown ID stays a 404.
      if (id.data || ConnectError.from(err).code !== Code.NotFound) throw err;
      body = { run: null };
    }
    return Response.json(body, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}

/**
 * POST /api/fleet/chaos {action: "start", seed?, seconds?, clients?, keys?, faults?} starts a
 * run (one at a time: 409 while one goes); {action: "stop"} ends the running one's load phase
 * early (it still heals and is checked). Both answer {run}.
 */
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
    const { fleet } = state();
    if (!fleet) return Response.json({ error: "no fleet controller configured (FLEET_URL)" }, { status: 404 });
    const opts = { timeoutMs: ACTION_TIMEOUT_MS };
    const r = body.action === "start"
      ? await fleet.startChaos({ seed: BigInt(body.seed ?? 0), seconds: body.seconds ?? 0, clients: body.clients ?? 0, keys: body.keys ?? 0, faults: body.faults ?? [] }, opts)
      : await fleet.stopChaos({}, opts);
    if (!r.run) throw new ConnectError("the controller answered without a run", Code.Internal);
    return Response.json({ run: chaosRunView(r.run) } satisfies ChaosRunResponse);
  } catch (err) {
    return errorResponse(err);
  }
}
