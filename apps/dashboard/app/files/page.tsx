"use client";
import { useState } from "react";
import useSWR from "swr";
import { fetchJson, useSnapshot } from "../../components/use-snapshot";
import { Card, Empty, IdChip } from "../../components/ui";
import { ChunkMap } from "../../components/files/chunk-map";
import { UploadCard } from "../../components/files/upload-card";
import { DownloadButton } from "../../components/files/download-button";
import { fmtBytes } from "../../components/files/fmt-bytes";

interface FileEntry { id: string; manifest: { name: string; size: number; mediaType: string; chunks: string[] }; heldBy: string[] }

/** Files: upload through any peer, the network-wide list (every peer's manifests), download, chunk placement. */
export default function FilesPage() {
  const { snapshot: s } = useSnapshot("peers");
  const { data, mutate } = useSWR<{ files: FileEntry[]; peersAsked: number }>("/api/files", fetchJson, { refreshInterval: 3000 });
  const [selected, setSelected] = useState<string>();
  if (!s) return <Empty>Loading the network…</Empty>;
  const live = s.peers.filter((p) => p.status !== "down" && p.id);
  return (
    <div className="space-y-4">
      <UploadCard peers={live} onUploaded={(f) => { setSelected(f.id); void mutate(); }} />
      <Card title={`Files in the network${data ? ` (${data.files.length}, from ${data.peersAsked} peers)` : ""}`}>
        {!data ? <Empty>Asking every peer…</Empty> : data.files.length === 0 ? <Empty>No files yet.</Empty> : (
          <table className="w-full text-sm" data-testid="files-table">
            <thead className="text-left text-slate-400"><tr><th>name</th><th>size</th><th>type</th><th>chunks</th><th>id</th><th>manifest on</th><th /></tr></thead>
            <tbody>
              {data.files.map((f) => (
                <tr key={f.id} className={`border-t border-slate-800 ${selected === f.id ? "bg-slate-800/50" : ""}`} data-testid={`file-row-${f.id}`}>
                  <td><button className="text-indigo-300 hover:underline" onClick={() => setSelected(f.id)}>{f.manifest.name}</button></td>
                  <td>{fmtBytes(f.manifest.size)}</td>
                  <td className="text-slate-400">{f.manifest.mediaType}</td>
                  <td>{f.manifest.chunks.length}</td>
                  <td><IdChip id={f.id} /></td>
                  <td>{f.heldBy.length} peers</td>
                  <td><DownloadButton fileId={f.id} name={f.manifest.name} size={f.manifest.size} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      {selected && <ChunkMap fileId={selected} peers={s.peers} />}
    </div>
  );
}
