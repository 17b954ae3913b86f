"use client";
/**
 * The browser's view of the network: GET /api/snapshot about once a second, sliced to the
 * view the page draws (lib/snapshot-slice). SWR pauses polling while the tab is hidden
 * (refreshWhenHidden is off by default) and keeps the previous snapshot while a new one
 * loads, so views never flash empty.
 */
import useSWR, { mutate } from "swr";
import type { Snapshot } from "../lib/snapshot-types";
import type { SnapshotView } from "../lib/snapshot-slice";

export async function fetchJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const body = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

/** The snapshot URL of a view; no view: the whole snapshot. */
export function snapshotUrl(view?: SnapshotView, peer?: string): string {
  if (!view) return "/api/snapshot";
  return `/api/snapshot?view=${view}${peer ? `&peer=${encodeURIComponent(peer)}` : ""}`;
}

/** Refreshes every snapshot slice in SWR's cache (after an action changed the network). */
export function refreshSnapshots(): Promise<unknown> {
  return mutate((key) => typeof key === "string" && key.startsWith("/api/snapshot"));
}

/** Polls the slice `view` (for "peer", of the peer `peer`); no view: the whole snapshot. */
export function useSnapshot(view?: SnapshotView, peer?: string) {
  const { data, error, isLoading } = useSWR<Snapshot>(snapshotUrl(view, peer), fetchJson, {
    refreshInterval: 1000,
    dedupingInterval: 400,
    keepPreviousData: true,
    revalidateOnFocus: true,
  });
  return { snapshot: data, error: error as Error | undefined, isLoading };
}

/** POSTs JSON and returns the parsed answer; throws with the server's error message. */
export function postJson<T>(url: string, body: unknown): Promise<T> {
  return fetchJson<T>(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}
