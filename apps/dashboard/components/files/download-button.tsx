"use client";
/**
 * Downloads a file through the dashboard's file route with fetch, showing bytes received of
 * the total while it runs, then hands the bytes to the browser as a normal download (a blob
 * URL with the file's name).
 */
import { useState } from "react";
import { expectedBytes, readWithProgress } from "../../lib/read-progress";
import { fmtBytes } from "./fmt-bytes";

type State = { t: "idle" } | { t: "running"; received: number; total?: number; updates: number } | { t: "done"; received: number; updates: number } | { t: "failed"; error: string };

export function DownloadButton({ fileId, name, size }: { fileId: string; name: string; size: number }) {
  const [state, setState] = useState<State>({ t: "idle" });

  const start = async () => {
    let updates = 0;
    setState({ t: "running", received: 0, total: size, updates });
    try {
      const res = await fetch(`/api/files/${fileId}`);
      if (!res.ok || !res.body) {
        const body = (await res.json().catch(() => ({}))) as { error?: string };
        throw new Error(body.error ?? `HTTP ${res.status}`);
      }
      const total = expectedBytes(res.headers, size);
      const chunks = await readWithProgress(res.body, (received) => setState({ t: "running", received, total, updates: ++updates }));
      const url = URL.createObjectURL(new Blob(chunks as BlobPart[], { type: res.headers.get("content-type") ?? "application/octet-stream" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      a.click();
      // Revoked later: the browser reads the blob after click() returns.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setState({ t: "done", received: chunks.reduce((n, c) => n + c.byteLength, 0), updates });
    } catch (err) {
      setState({ t: "failed", error: (err as Error).message });
    }
  };

  const running = state.t === "running";
  const fraction = running && state.total ? Math.min(1, state.received / state.total) : state.t === "done" ? 1 : 0;
  return (
    <span className="inline-flex items-center gap-2">
      <button type="button" className="text-indigo-300 hover:underline disabled:text-slate-500" onClick={() => void start()} disabled={running} data-testid={`file-download-${fileId}`}>
        download
      </button>
      {state.t !== "idle" && (
        <span className="inline-flex items-center gap-1.5 text-xs tabular-nums" data-testid={`file-progress-${fileId}`} data-state={state.t}
          data-updates={"updates" in state ? state.updates : 0} data-received={"received" in state ? state.received : 0}>
          {state.t === "failed" ? <span className="text-rose-300">{state.error}</span> : (
            <>
              <span className="h-1.5 w-20 overflow-hidden rounded bg-slate-800"><span className="block h-full bg-indigo-400" style={{ width: `${fraction * 100}%` }} /></span>
              <span className={state.t === "done" ? "text-emerald-300" : "text-slate-300"}>
                {fmtBytes(state.received)}{running && state.total !== undefined ? ` / ${fmtBytes(state.total)}` : " done"}
              </span>
            </>
          )}
        </span>
      )}
    </span>
  );
}
