"use client";
/**
 * The Chaos page's data: one run (by ID, or the latest) polled about once a second while it
 * goes and every 5 s otherwise (so a run started elsewhere, e.g. `npm run chaos`, shows up),
 * and the list of runs.
 */
import useSWR from "swr";
import { chaosFinished, type ChaosRunResponse, type ChaosRunsResponse } from "../../lib/chaos-types";
import { fetchJson } from "../use-snapshot";

export const chaosRunUrl = (id: string) => `/api/fleet/chaos${id ? `?id=${encodeURIComponent(id)}` : ""}`;
export const CHAOS_RUNS_URL = "/api/fleet/chaos/runs";

export function useChaosRun(id: string) {
  const { data, error, mutate } = useSWR<ChaosRunResponse>(chaosRunUrl(id), fetchJson, {
    refreshInterval: (d) => (d?.run && !chaosFinished(d.run.state) ? 1000 : 5000),
    dedupingInterval: 400,
  });
  return { run: data?.run, loaded: data !== undefined, error: error as Error | undefined, mutate };
}

/** `active`: a run is going, so its row in the list moves too. */
export function useChaosRuns(active: boolean) {
  const { data, error, mutate } = useSWR<ChaosRunsResponse>(CHAOS_RUNS_URL, fetchJson, { refreshInterval: active ? 2000 : 10_000 });
  return { runs: data?.runs ?? [], error: error as Error | undefined, mutate };
}
