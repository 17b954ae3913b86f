"use client";
import { useRef, useState } from "react";
import { Button, Card } from "../ui";
import type { PeerView } from "../../lib/snapshot-types";

export interface UploadedFile { id: string; manifest: { name: string; size: number; chunks: string[] } }

/** Uploads one file through a chosen peer with XHR, whose upload events drive the progress bar. */
export function UploadCard({ peers, onUploaded }: { peers: PeerView[]; onUploaded: (f: UploadedFile) => void }) {
  const fileInput = useRef<HTMLInputElement>(null);
  const [via, setVia] = useState("");
  const [progress, setProgress] = useState<number>();
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const peer = peers.find((p) => p.id === via) ?? peers[0];

  const upload = () => {
    const file = fileInput.current?.files?.[0];
    if (!file || !peer) return;
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", `/api/files?name=${encodeURIComponent(file.name)}&peer=${peer.id}`);
    // Always octet-stream (the dashboard refuses CORS-simple types on mutations); the real type rides along.
    xhr.setRequestHeader("content-type", "application/octet-stream");
    if (file.type) xhr.setRequestHeader("x-file-type", file.type);
    xhr.upload.onprogress = (e) => e.lengthComputable && setProgress(e.loaded / e.total);
    xhr.onload = () => {
      setProgress(undefined);
      try {
        const body = JSON.parse(xhr.responseText) as UploadedFile & { error?: string };
        if (xhr.status >= 300) throw new Error(body.error ?? `HTTP ${xhr.status}`);
        setMessage({ ok: true, text: `stored ${body.manifest.name} as ${body.id.slice(0, 12)}… (${body.manifest.chunks.length} chunks)` });
        onUploaded(body);
      } catch (err) {
        setMessage({ ok: false, text: `upload failed: ${(err as Error).message}` });
      }
    };
    xhr.onerror = () => {
      setProgress(undefined);
      setMessage({ ok: false, text: "upload failed: the connection broke" });
    };
    setMessage(undefined);
    setProgress(0);
    xhr.send(file);
  };

  return (
    <Card title="Upload">
      <div className="flex flex-wrap items-center gap-3">
        <input ref={fileInput} type="file" data-testid="files-input" className="text-sm text-slate-300" />
        <label className="text-sm text-slate-400">
          through{" "}
          <select data-testid="files-via" value={peer?.id ?? ""} onChange={(e) => setVia(e.target.value)} className="rounded border border-slate-700 bg-slate-950 px-2 py-1 text-slate-100">
            {peers.map((p) => (
              <option key={p.id} value={p.id}>{p.name ?? p.id.slice(0, 8)}</option>
            ))}
          </select>
        </label>
        <Button testId="files-upload" onClick={upload} disabled={progress !== undefined || !peer}>Upload</Button>
      </div>
      {progress !== undefined && (
        <div className="mt-3 h-2 w-full overflow-hidden rounded bg-slate-800" role="progressbar" aria-valuenow={Math.round(progress * 100)} data-testid="files-progress">
          <div className="h-full bg-indigo-400 transition-all" style={{ width: `${Math.round(progress * 100)}%` }} />
        </div>
      )}
      {message && <p data-testid="files-message" className={`mt-3 text-sm ${message.ok ? "text-emerald-300" : "text-rose-300"}`}>{message.text}</p>}
    </Card>
  );
}
