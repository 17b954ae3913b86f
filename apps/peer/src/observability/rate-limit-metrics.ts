/** The rate limits' counters (rate-limit/), registered at 0 for both surfaces so alerts see the series before the first hit. */
import { Counter, type Registry } from "prom-client";
import type { RateBucket } from "../rate-limit/keyed-token-buckets.js";

/** Where a rate limit applies: the public HTTP port, or PeerService on the gRPC port. */
export type RateLimitSurface = "http" | "peer";

export function registerRateLimitMetrics(registry: Registry) {
  const limited = new Counter({
    name: "p2p_rate_limited_total",
    help: "Requests (http) and PeerService calls (peer) refused by a per-client rate limit, by the bucket they were charged to",
    labelNames: ["surface", "bucket"] as const,
    registers: [registry],
  });
  const overflow = new Counter({
    name: "p2p_rate_limit_overflow_total",
    help: "Requests and calls charged to the shared overflow bucket because the rate limit's table of clients was full",
    labelNames: ["surface"] as const,
    registers: [registry],
  });
  for (const surface of ["http", "peer"] as const) {
    for (const bucket of ["client", "overflow"] as const) limited.inc({ surface, bucket }, 0);
    overflow.inc({ surface }, 0);
  }
  return {
    countRateLimited(surface: RateLimitSurface, bucket: RateBucket): void {
      limited.inc({ surface, bucket });
    },
    countRateLimitOverflow(surface: RateLimitSurface): void {
      overflow.inc({ surface });
    },
  };
}
