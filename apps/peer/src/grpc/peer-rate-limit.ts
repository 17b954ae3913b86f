/**
 * Per-remote-peer rate limit on PeerService, as a grpc-js server interceptor: every call takes
 * one token from its caller's bucket when its headers arrive, before any message is read or a
 * handler runs. A chunk stream is one call however many frames it carries (the frames are
 * bounded by the transfer slots and flow control in chunk-server.ts, not by this). A refused
 * call ends with RESOURCE_EXHAUSTED, a message naming the limit and `retry-after` (ms) in the
 * trailing metadata.
 *
 * Only PeerService is limited: grpc.health.v1 answers orchestrators' probes, which must keep
 * working while a peer is flooded (see http-rate-limit.ts for the same rule on /healthz), and
 * reflection is a debugging aid.
 *
 * The caller is its remote IP address (an IPv6 one by its /64). Connections do prove a peer ID
 * (TLS), but IDs cost nothing to mint: keyed by ID, a host with a thousand identities would get
 * a thousand buckets. By address, minting identities buys no extra rate (the same reasoning as
 * the routing table's per-/24 limits). `keyOf` is the seam for another choice.
 */
import { Metadata, ServerInterceptingCall, ServerListenerBuilder, status } from "@grpc/grpc-js";
import type { ServerInterceptingCallInterface, ServerInterceptor } from "@grpc/grpc-js";
import { PeerService } from "@p2p/proto/peer";
import { clientKeyOf } from "../rate-limit/client-key.js";
import type { KeyedTokenBuckets, RateBucket } from "../rate-limit/keyed-token-buckets.js";

/** Which bucket a call draws from. */
export type PeerKeyOf = (call: ServerInterceptingCallInterface) => string;

/** The caller's IP address (IPv6: its /64). getPeer() is the fallback: "host:port", IPv6 without brackets. */
export const remoteAddressKey: PeerKeyOf = (call) => {
  const address = call.getConnectionInfo().remoteAddress;
  if (address) return clientKeyOf(address);
  const peer = call.getPeer().replace(/^ipv[46]:/, "");
  const colon = peer.lastIndexOf(":");
  return clientKeyOf((colon > 0 ? peer.slice(0, colon) : peer).replace(/^\[|\]$/g, ""));
};

export interface PeerRateLimitOptions {
  /** The buckets (their limits can change live through them). */
  buckets: KeyedTokenBuckets;
  /** Buckets kept at most, for the message of the overflow bucket. */
  maxClients: number;
  /** Default: remoteAddressKey. */
  keyOf?: PeerKeyOf;
  /** A call was refused (for the metrics). */
  onLimited?: (bucket: RateBucket) => void;
}

const LIMITED_PREFIX = `/${PeerService.typeName}/`;

/** The interceptor for the gRPC server's `interceptors` option. */
export function peerRateLimitInterceptor(opts: PeerRateLimitOptions): ServerInterceptor {
  const keyOf = opts.keyOf ?? remoteAddressKey;
  return (method, call) => {
    if (!method.path.startsWith(LIMITED_PREFIX) || !opts.buckets.enabled) return new ServerInterceptingCall(call);
    let refused = false;
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const peer = keyOf(call);
        const d = opts.buckets.take(peer);
        if (d.allowed) return next(metadata);
        refused = true;
        opts.onLimited?.(d.bucket);
        const retryAfterMs = Math.max(1, Math.ceil(d.retryAfterMs));
        const trailers = new Metadata();
        trailers.set("retry-after", String(retryAfterMs));
        const from = d.bucket === "client" ? `peer ${peer}` : `peers beyond the ${opts.maxClients} this peer tracks (${peer} among them)`;
        // Without next(metadata) the handler never starts nor asks to read a message.
        call.sendStatus({ code: status.RESOURCE_EXHAUSTED, details: `rate limit: more than ${d.ratePerSecond} calls/s from ${from}; retry after ${retryAfterMs} ms`, metadata: trailers });
      })
      .withOnReceiveMessage((message, next) => {
        if (!refused) next(message);
      })
      .withOnReceiveHalfClose((next) => {
        if (!refused) next();
      })
      .build();
    return new ServerInterceptingCall(call, { start: (next) => next(listener) });
  };
}
