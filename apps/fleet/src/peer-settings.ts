import { z } from "zod";

/**
 * Settings the controller passes through to the peers it spawns (each maps to one peer flag).
 * Unset fields are not passed, so the peer's own defaults apply (R=3, W=2, Rq=2, 1 MiB, info).
 */
export interface PeerSettingsInput {
  replicationFactor?: number;
  writeQuorum?: number;
  readQuorum?: number;
  /** "weak" lets W + Rq ≤ R through (stale reads accepted on purpose); the peer's default is strong. */
  consistency?: "strong" | "weak";
  maxValueBytes?: number;
  logLevel?: string;
  rpcTimeoutMs?: number;
  requestTimeoutMs?: number;
  refreshIntervalMs?: number;
  repairIntervalMs?: number;
  /** Plaintext gRPC between peers (debugging only); every peer of the fleet gets it. */
  insecure?: boolean;
  /** A private network's key file: every peer of the fleet joins that network. */
  networkKeyFile?: string;
}

const positiveInt = (max: number) => z.number().int().min(1).max(max);

/** Validated settings (what `mergePeerSettings` returns and fleet.json stores). */
export type PeerSettings = z.output<typeof peerSettingsSchema>;

/** Bounds are sanity limits; the peer validates its own settings too and exits with code 2. */
export const peerSettingsSchema = z
  .object({
    replicationFactor: positiveInt(64).optional(),
    writeQuorum: positiveInt(64).optional(),
    readQuorum: positiveInt(64).optional(),
    consistency: z.enum(["strong", "weak"]).optional(),
    maxValueBytes: positiveInt(64 * 1024 * 1024).optional(),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
    rpcTimeoutMs: positiveInt(600_000).optional(),
    requestTimeoutMs: positiveInt(600_000).optional(),
    refreshIntervalMs: positiveInt(86_400_000).optional(),
    repairIntervalMs: positiveInt(86_400_000).optional(),
    insecure: z.boolean().optional(),
    networkKeyFile: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    // Unset fields are the peer's defaults (R=3, W=2, Rq=2): the peer would refuse these
    // combinations and exit, so say so here, before a peer is spawned with them.
    if (s.insecure && s.networkKeyFile) ctx.addIssue({ code: "custom", path: ["networkKeyFile"], message: "needs TLS between peers: it cannot be used with insecure" });
    const r = s.replicationFactor ?? 3;
    const w = s.writeQuorum ?? 2;
    const rq = s.readQuorum ?? 2;
    for (const [q, v] of [["writeQuorum", w], ["readQuorum", rq]] as const) {
      if (v > r) ctx.addIssue({ code: "custom", path: [q], message: `must not exceed replicationFactor (${r}), got ${v}` });
    }
    // Quorums that do not overlap let a read miss an acknowledged write; only on purpose.
    if (s.consistency !== "weak" && w <= r && rq <= r && w + rq <= r) {
      ctx.addIssue({ code: "custom", path: ["writeQuorum"], message: `writeQuorum + readQuorum must exceed replicationFactor (${r}) so that reads see every acknowledged write, got ${w} + ${rq}; or set consistency weak` });
    }
  });

/** The peer flag of each setting. */
const flags: Record<keyof PeerSettingsInput, string> = {
  replicationFactor: "--replication-factor",
  writeQuorum: "--write-quorum",
  readQuorum: "--read-quorum",
  consistency: "--consistency",
  maxValueBytes: "--max-value-bytes",
  logLevel: "--log-level",
  rpcTimeoutMs: "--rpc-timeout-ms",
  requestTimeoutMs: "--request-timeout-ms",
  refreshIntervalMs: "--refresh-interval-ms",
  repairIntervalMs: "--repair-interval-ms",
  insecure: "--insecure",
  networkKeyFile: "--network-key",
};

/** Setting names in flag form, for the controller's own CLI. */
export const peerSettingFlags: ReadonlyArray<[keyof PeerSettingsInput, string]> = Object.entries(flags) as Array<[keyof PeerSettingsInput, string]>;

/** `override` over `base`, validated together; throws an Error naming the field. */
export function mergePeerSettings(base: PeerSettings, override: PeerSettingsInput): PeerSettings {
  const defined = Object.fromEntries(Object.entries(override).filter(([, v]) => v !== undefined));
  const parsed = peerSettingsSchema.safeParse({ ...base, ...defined });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

/** The peer flags for these settings. */
export function peerSettingArgs(settings: PeerSettings): string[] {
  return peerSettingFlags.flatMap(([key, flag]) => {
    const value = settings[key];
    if (value === undefined || value === false) return [];
    return value === true ? [flag] : [flag, String(value)];
  });
}
