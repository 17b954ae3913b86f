/**
 * What other workspace packages (tests, the fuzzer, benchmarks) need of the peer to talk to
 * its gRPC port as a peer does: an identity and TLS credentials bound to the peer dialled.
 */
import type { ChannelCredentials } from "@grpc/grpc-js";
import type { NodeId } from "@p2p/dht";
import { PeerIdentity } from "./identity/peer-identity.js";
import { PeerChannelCredentials } from "./tls/peer-channel-credentials.js";
import { NetworkKey } from "./tls/network-key.js";
import { PeerTls } from "./tls/peer-tls.js";

export { PeerIdentity, NetworkKey, PeerTls, PeerChannelCredentials };
export { signContact } from "./identity/signed-contact.js";

/**
 * Credentials for a gRPC client of a peer's gRPC port, as a peer with `identity` (default: a
 * fresh one) in the network of `networkKey` (default: open): TLS with a peer certificate,
 * checking the server is `expectedId` when given.
 */
export function peerClientCredentials(opts: { identity?: PeerIdentity; networkKey?: NetworkKey; expectedId?: NodeId } = {}): ChannelCredentials {
  const tls = new PeerTls({ identity: opts.identity ?? PeerIdentity.generate(), ...(opts.networkKey ? { networkKey: opts.networkKey } : {}) });
  return new PeerChannelCredentials(tls, opts.expectedId);
}
