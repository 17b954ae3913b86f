/**
 * Which peer serves a file request: the one named by ?peer=<id>, else the first that is up.
 * Shared by the /api/files routes (the Files page proxies through them: same origin, so no
 * CORS on the peers and upload progress is observable).
 */
import { state } from "../../../lib/server";

export const FILE_ID = /^[0-9a-f]{64}$/;

export async function fileServingPeer(req: Request): Promise<{ id: string; address: string } | { error: string; status: number }> {
  const { collector } = state();
  const snapshot = collector.latest() ?? (await collector.poll());
  const wanted = new URL(req.url).searchParams.get("peer");
  if (wanted !== null && !/^[0-9a-f]{64}$/.test(wanted)) return { error: "peer: must be a peer ID (64 lowercase hex)", status: 400 };
  const peer = wanted ? snapshot.peers.find((p) => p.id === wanted) : snapshot.peers.find((p) => p.status === "up" && p.id && p.httpAddress);
  // addressOf: only addresses the dashboard may contact (the crawl allowlist; lib/snapshot).
  const address = peer?.id ? collector.addressOf(peer.id) : undefined;
  if (!peer || !address) return { error: wanted ? "peer: not a known peer" : "no peer is up", status: wanted ? 404 : 503 };
  return { id: peer.id, address };
}
