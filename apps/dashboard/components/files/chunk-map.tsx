"use client";
import useSWR from "swr";
import { fetchJson } from "../use-snapshot";
import { Card, Empty } from "../ui";
import type { PeerView } from "../../lib/snapshot-types";

interface ChunkLocation { index: number; hash: string; position: string; holders: { id: string }[] }

/** Angle on the ring of a 64-hex ID: its top 32 bits as a fraction of the circle (0 at the top). */
function angle(id: string): number {
  return (parseInt(id.slice(0, 8), 16) / 2 ** 32) * 2 * Math.PI - Math.PI / 2;
}

/** Where each chunk of a file lives: chunk positions inside the ring, peers on it, lines to the holders. */
export function ChunkMap({ fileId, peers }: { fileId: string; peers: PeerView[] }) {
  const { data, error } = useSWR<{ chunks: ChunkLocation[] }>(`/api/files/${fileId}/chunks`, fetchJson, { refreshInterval: 5000 });
  if (error) return <Card title="Chunks"><Empty>{error.message}</Empty></Card>;
  if (!data) return <Card title="Chunks"><Empty>Looking up chunk holders…</Empty></Card>;
  const R = 140, C = 160;
  const at = (id: string, r: number) => [C + r * Math.cos(angle(id)), C + r * Math.sin(angle(id))] as const;
  const name = (id: string) => peers.find((p) => p.id === id)?.name ?? id.slice(0, 8);
  return (
    <Card title={`Chunks (${data.chunks.length})`}>
      <div className="flex flex-wrap gap-6">
        <svg width={2 * C} height={2 * C} data-testid="files-chunk-ring" aria-label="chunk positions on the ring">
          <circle cx={C} cy={C} r={R} fill="none" stroke="#334155" strokeWidth={2} />
          {data.chunks.map((c) =>
            c.holders.map((h) => {
              const [x1, y1] = at(c.position, R - 18);
              const [x2, y2] = at(h.id, R);
              return <line key={`${c.index}-${h.id}`} x1={x1} y1={y1} x2={x2} y2={y2} stroke="#6366f1" strokeOpacity={0.25} />;
            }),
          )}
          {data.chunks.map((c) => {
            const [x, y] = at(c.position, R - 18);
            return <circle key={c.index} cx={x} cy={y} r={3} fill="#a5b4fc"><title>{`chunk ${c.index}: ${c.hash.slice(0, 12)}…`}</title></circle>;
          })}
          {peers.filter((p) => p.id).map((p) => {
            const [x, y] = at(p.id, R);
            return <circle key={p.id} cx={x} cy={y} r={6} fill={p.status === "up" ? "#34d399" : p.status === "suspect" ? "#fbbf24" : "#f43f5e"}><title>{name(p.id)}</title></circle>;
          })}
        </svg>
        <div className="max-h-80 min-w-64 flex-1 overflow-auto text-xs">
          <table className="w-full">
            <thead className="text-left text-slate-400"><tr><th>#</th><th>chunk</th><th>holders (closest first)</th></tr></thead>
            <tbody data-testid="files-chunk-table">
              {data.chunks.map((c) => (
                <tr key={c.index} className="border-t border-slate-800">
                  <td className="pr-2 text-slate-500">{c.index}</td>
                  <td className="pr-2 font-mono">{c.hash.slice(0, 12)}…</td>
                  <td className="font-mono">{c.holders.map((h) => name(h.id)).join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </Card>
  );
}
