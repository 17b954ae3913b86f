import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { peerSettingsSchema } from "./peer-settings.js";

/**
 * `<dir>/fleet.json`: what the controller must remember across its own restarts — which peers
 * exist, where their data lives, whether they should be running, and the pid it last saw (to
 * clean up a peer that outlived a crashed controller).
 */
export const peerRecordSchema = z.object({
  name: z.string().regex(/^peer-\d+$/),
  /** Data dir relative to the fleet directory (the fleet dir can move). */
  dataDir: z.string().min(1),
  id: z.string().regex(/^([0-9a-f]{64})?$/),
  httpAddress: z.string(),
  grpcAddress: z.string(),
  pid: z.number().int().min(0),
  /** What the user asked for: Spawn/Restart → running, Stop/Kill → stopped. A crash leaves it running. */
  desired: z.enum(["running", "stopped"]),
  /** The state when last saved ("crashed" or "stopped" is shown again after a controller restart). */
  lastState: z.enum(["starting", "running", "stopping", "stopped", "crashed"]),
  lastExit: z.string(),
  restarts: z.number().int().min(0),
  settings: peerSettingsSchema,
  /** Peer entry point when it differs from the fleet's (tests: a binary that crashes at start). */
  peerMain: z.string().optional(),
});

export const fleetStateSchema = z.object({
  version: z.literal(1),
  /** Next peer number: names are never reused, even after RemovePeer. */
  nextIndex: z.number().int().min(0),
  controllerPid: z.number().int().min(0),
  peers: z.array(peerRecordSchema),
});

export type PeerRecord = z.infer<typeof peerRecordSchema>;
export type FleetState = z.infer<typeof fleetStateSchema>;

export const stateFileName = "fleet.json";

/** The saved state, or undefined when the fleet directory has none yet. Throws naming the bad field. */
export async function loadFleetState(dir: string): Promise<FleetState | undefined> {
  const path = join(dir, stateFileName);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = fleetStateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${path}: ${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

/** Writes the state atomically (temp file + rename): a crash mid-write leaves the old file whole. */
export async function saveFleetState(dir: string, state: FleetState): Promise<void> {
  const path = join(dir, stateFileName);
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
  await rename(tmp, path);
}
