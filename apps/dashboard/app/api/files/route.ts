import { state } from "../../../lib/server";
import { fileServingPeer } from "./peer-address";

export const dynamic = "force-dynamic";

interface Manifest { name: string; size: number; mediaType: string; chunkSize: number; chunks: string[] }

/** GET /api/files: the network-wide list, every up peer's /files merged by file ID with who holds the manifest. */
export async function GET(): Promise<Response> {
  const { collector, config } = state();
  const snapshot = collector.latest() ?? (await collector.poll());
  // addressOf: only addresses the dashboard may contact (the crawl allowlist; lib/snapshot).
  const peers = snapshot.peers.flatMap((p) => {
    const httpAddress = p.status !== "down" && p.id ? collector.addressOf(p.id) : undefined;
    return httpAddress ? [{ id: p.id, httpAddress }] : [];
  });
  const files = new Map<string, { id: string; manifest: Manifest; heldBy: string[] }>();
  await Promise.all(
    peers.map(async (p) => {
      try {
        const res = await fetch(`http://${p.httpAddress}/files`, { signal: AbortSignal.timeout(config.timeoutMs * 3) });
        if (!res.ok) return;
        const body = (await res.json()) as { files?: { id: string; manifest: Manifest }[] };
        for (const f of body.files ?? []) {
          const entry = files.get(f.id) ?? { id: f.id, manifest: f.manifest, heldBy: [] };
          entry.heldBy.push(p.id);
          files.set(f.id, entry);
        }
      } catch {
        // a slow or dead peer only hides its copies; the others still list theirs
      }
    }),
  );
  const list = [...files.values()].sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
  return Response.json({ files: list, peersAsked: peers.length }, { headers: { "cache-control": "no-store" } });
}

/** PUT /api/files?name=<name>[&peer=<id>] (X-File-Type: media type): streams the body to that peer's PUT /files/<name>. */
export async function PUT(req: Request): Promise<Response> {
  const name = new URL(req.url).searchParams.get("name") ?? "";
  if (name === "" || name.length > 255 || /[/\\]/.test(name)) return Response.json({ error: "name: a file name of 1 to 255 characters without slashes" }, { status: 400 });
  const peer = await fileServingPeer(req);
  if ("error" in peer) return Response.json({ error: peer.error }, { status: peer.status });
  if (!req.body) return Response.json({ error: "body: the file is missing" }, { status: 400 });
  // The body is sent as application/octet-stream (proxy.ts refuses CORS-simple types); the
  // file's own media type travels in X-File-Type and becomes the peer's Content-Type.
  const fileType = req.headers.get("x-file-type") ?? "";
  const headers: Record<string, string> = { "content-type": /^[\w.+-]+\/[\w.+-]+$/.test(fileType) ? fileType : "application/octet-stream" };
  const length = req.headers.get("content-length");
  if (length) headers["content-length"] = length;
  try {
    const res = await fetch(`http://${peer.address}/files/${encodeURIComponent(name)}`, { method: "PUT", body: req.body, headers, duplex: "half" } as RequestInit);
    return new Response(res.body, { status: res.status, headers: { "content-type": res.headers.get("content-type") ?? "application/json" } });
  } catch (err) {
    return Response.json({ error: `upload through ${peer.id.slice(0, 8)} failed: ${(err as Error).message}` }, { status: 502 });
  }
}
