"use client";
/**
 * The browser's view of the network: GET /api/snapshot about once a second. SWR pauses
 * polling while the tab is hidden (refreshWhenHidden is off by default) and keeps the
 * previous snapshot while a new one loads, so views never flash empty.
 */
import useSWR from "swr";
import type { Snapshot } from "../lib/snapshot-types";

export async function fetchJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const body = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

export function useSnapshot() {
  const { data, error, isLoading } = useSWR<Snapshot>("/api/snapshot", fetchJson, {
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
