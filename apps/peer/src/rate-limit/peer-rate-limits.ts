/** A peer's two rate limits (public HTTP port, PeerService) built from its settings, counted in its metrics. */
import type { PeerConfig } from "../config/peer-config.js";
import type { PeerRateLimitOptions } from "../grpc/peer-rate-limit.js";
import { HttpRateLimiter } from "../http/http-rate-limit.js";
import type { PeerMetrics } from "../observability/metrics.js";
import { KeyedTokenBuckets } from "./keyed-token-buckets.js";

type RateLimitConfig = Pick<PeerConfig, "httpRateLimit" | "httpRateBurst" | "peerRateLimit" | "peerRateBurst" | "rateLimitMaxClients">;

export interface PeerRateLimits {
  /** For startHttpServer's `rateLimiter`. */
  http: HttpRateLimiter;
  /** For startPeerGrpcServer's `rateLimit`. */
  peer: PeerRateLimitOptions;
  /** Applies reloaded rates and bursts (the client cap is read only at start). */
  apply(next: RateLimitConfig): void;
}

export function createPeerRateLimits(config: RateLimitConfig, metrics: Pick<PeerMetrics, "countRateLimited" | "countRateLimitOverflow">): PeerRateLimits {
  const maxClients = config.rateLimitMaxClients;
  const httpLimits = (c: RateLimitConfig) => ({ ratePerSecond: c.httpRateLimit, burst: c.httpRateBurst });
  const peerLimits = (c: RateLimitConfig) => ({ ratePerSecond: c.peerRateLimit, burst: c.peerRateBurst });
  const httpBuckets = new KeyedTokenBuckets(httpLimits(config), { maxKeys: maxClients, onOverflow: () => metrics.countRateLimitOverflow("http") });
  const peerBuckets = new KeyedTokenBuckets(peerLimits(config), { maxKeys: maxClients, onOverflow: () => metrics.countRateLimitOverflow("peer") });
  return {
    http: new HttpRateLimiter({ buckets: httpBuckets, maxClients, onLimited: (bucket) => metrics.countRateLimited("http", bucket) }),
    peer: { buckets: peerBuckets, maxClients, onLimited: (bucket) => metrics.countRateLimited("peer", bucket) },
    apply(next) {
      httpBuckets.setLimits(httpLimits(next));
      peerBuckets.setLimits(peerLimits(next));
    },
  };
}
