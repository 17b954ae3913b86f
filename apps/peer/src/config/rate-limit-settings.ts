/**
 * The rate-limit settings, merged into the peer's schema (peer-config.ts). Their defaults come
 * from measurements on a 2-core machine (Node 20, loopback, 64 requests in flight from one
 * client): a peer of a 3-peer network served ~400 Get or ~300 Put per second, ~1.3k Connect
 * Info, ~2.4k of its cheapest REST answer (an immediate error) and ~1.5k gRPC health checks;
 * a bare grpc-js server ~4-5k calls/s. The defaults sit above the fastest of those, so honest
 * clients, the test suite, the chaos checker and the benchmarks (all on 127.0.0.1, so all one
 * client to every peer) are never throttled: a default limit only ever bites a client that
 * sends faster than the peer can serve anyone. Lower them on a peer exposed to the network.
 */
import { z } from "zod";
import type { SettingSource } from "./peer-config.js";

const perSecond = z.number().int().min(0).max(10_000_000);
const burst = z.number().int().min(1).max(100_000_000);

export const rateLimitSettingsShape = {
  /** Requests per second one client address (an IPv6 client: its /64) may make to the HTTP port: REST, Connect, gRPC-Web, files; /healthz, /readyz and /metrics are exempt. Over it: 429 / RESOURCE_EXHAUSTED with Retry-After. 5000: twice the fastest answer measured (above). 0: off. Changeable live. */
  httpRateLimit: perSecond.default(5000),
  /** Requests one client may send at once after a quiet spell, on top of nothing (the bucket size). 10000: two seconds' worth. Changeable live. */
  httpRateBurst: burst.default(10_000),
  /** PeerService calls per second one remote peer may make to the gRPC port (a chunk stream is one call). Keyed by its IP address, not its (free to mint) peer ID, so all peers on one host share it: 10000 is twice what a bare grpc-js server answers here, never reached by a loopback fleet. 0: off. Changeable live. */
  peerRateLimit: perSecond.default(10_000),
  /** Calls one remote peer may send at once after a quiet spell (the bucket size). 20000: two seconds' worth. Changeable live. */
  peerRateBurst: burst.default(20_000),
  /** Clients tracked at most per port, each with its own bucket (~200 bytes); an idle bucket is dropped once full again (burst / rate, ~2 s). Past the cap, new clients share one bucket of one client's size (p2p_rate_limit_overflow_total), so rotating addresses buys nothing. 10000. Read only at start. */
  rateLimitMaxClients: z.number().int().min(1).max(10_000_000).default(10_000),
};

export type RateLimitSettingKey = keyof typeof rateLimitSettingsShape;

export const RATE_LIMIT_LIVE_SETTINGS: readonly RateLimitSettingKey[] = ["httpRateLimit", "httpRateBurst", "peerRateLimit", "peerRateBurst"];

export const RATE_LIMIT_SOURCES: Record<RateLimitSettingKey, SettingSource> = {
  httpRateLimit: { flag: "http-rate-limit", env: "P2P_HTTP_RATE_LIMIT", kind: "integer", help: "requests/s per client address on the HTTP port (0: off)" },
  httpRateBurst: { flag: "http-rate-burst", env: "P2P_HTTP_RATE_BURST", kind: "integer", help: "requests a client may send at once on the HTTP port" },
  peerRateLimit: { flag: "peer-rate-limit", env: "P2P_PEER_RATE_LIMIT", kind: "integer", help: "PeerService calls/s per remote peer on the gRPC port (0: off)" },
  peerRateBurst: { flag: "peer-rate-burst", env: "P2P_PEER_RATE_BURST", kind: "integer", help: "PeerService calls a remote peer may send at once" },
  rateLimitMaxClients: { flag: "rate-limit-max-clients", env: "P2P_RATE_LIMIT_MAX_CLIENTS", kind: "integer", help: "clients tracked per port for the rate limits; beyond, they share one bucket" },
};
