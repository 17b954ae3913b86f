"use client";
/**
 * Whether a fleet is "large": at 50 peers the routing tables hold ~2,200 links and drawing
 * them all is a hairball, so views switch to per-peer detail. The threshold can be lowered
 * with `?largeFleet=N` in the page URL (tests use it to check the behaviour on 10 peers).
 */
import { useEffect, useState } from "react";

export const LARGE_FLEET_DEFAULT = 16;

export function useLargeFleetThreshold(): number {
  const [threshold, setThreshold] = useState(LARGE_FLEET_DEFAULT);
  useEffect(() => {
    // Read after mount: useSearchParams would opt the page out of static rendering.
    const n = Number(new URLSearchParams(window.location.search).get("largeFleet"));
    if (Number.isInteger(n) && n > 0) setThreshold(n);
  }, []);
  return threshold;
}
