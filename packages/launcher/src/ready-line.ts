import { z } from "zod";

/**
 * The line a peer prints on stdout once both of its servers listen (pino JSON):
 * `{"msg":"peer ready","id":"<64 hex>","httpAddress":"host:port","grpcAddress":"host:port","pid":N}`.
 * Reading the real ports from it is how port 0 works without races.
 */
export interface PeerReady {
  /** Peer ID, 64 lowercase hex characters. */
  id: string;
  /** host:port of the public HTTP (Connect + REST) API. */
  httpAddress: string;
  /** host:port of the peer-to-peer gRPC server. */
  grpcAddress: string;
  pid: number;
}

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:/]+):\d{1,5}$/, "expected host:port");

const readySchema = z.object({
  msg: z.literal("peer ready"),
  id: z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex characters"),
  httpAddress: hostPort,
  grpcAddress: hostPort,
  pid: z.number().int().positive(),
});

/**
 * Parses one stdout line. Returns undefined for any line that is not a ready line, and
 * throws (naming the field) for a ready line whose fields are malformed — a peer that
 * announces itself wrongly is a bug worth surfacing, not a line to skip.
 */
export function parseReadyLine(line: string): PeerReady | undefined {
  if (!line.startsWith("{") || !line.includes("peer ready")) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null || (json as { msg?: unknown }).msg !== "peer ready") return undefined;
  const parsed = readySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`malformed "peer ready" line: ${issue?.path.join(".") || "line"}: ${issue?.message}`);
  }
  const { id, httpAddress, grpcAddress, pid } = parsed.data;
  return { id, httpAddress, grpcAddress, pid };
}
