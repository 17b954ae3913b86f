/**
 * The peer's TLS policy from its settings: TLS with peer certificates unless `--insecure`, a
 * private network when `--network-key` names a key file. A key file that cannot be read, or a
 * network key asked for together with --insecure, stops the start with an error naming the flag.
 */
import type { Logger } from "@p2p/dht";
import type { PeerIdentity } from "../identity/peer-identity.js";
import type { PeerMetrics } from "../observability/metrics.js";
import { NetworkKey } from "./network-key.js";
import { PeerTls } from "./peer-tls.js";

/** How this peer's connections to other peers are secured, as Info reports it. */
export interface TransportSecurity {
  /** "tls": peer certificates; "insecure": plaintext (--insecure). */
  mode: "tls" | "insecure";
  /** The private network's tag, or "" on an open network. */
  networkTag: string;
}

export function peerTlsOf(
  config: { insecure: boolean; networkKeyFile?: string | undefined },
  identity: PeerIdentity,
  log: Logger,
  metrics: Pick<PeerMetrics, "countTlsRefused">,
): PeerTls | undefined {
  if (config.insecure) {
    if (config.networkKeyFile) throw new Error("--network-key needs TLS between peers: it cannot be used with --insecure");
    log.warn({}, "--insecure: gRPC between peers is plaintext; peers are not authenticated and anyone on the path can read or forge traffic (debugging only)");
    return undefined;
  }
  const networkKey = config.networkKeyFile ? NetworkKey.fromFile(config.networkKeyFile) : undefined;
  if (networkKey) log.info({ network: networkKey.tag }, "private network: only peers holding its key are admitted");
  return new PeerTls({ identity, log, ...(networkKey ? { networkKey } : {}), onRefused: (kind, side) => metrics.countTlsRefused(kind, side) });
}

export function transportSecurityOf(tls: PeerTls | undefined): TransportSecurity {
  return { mode: tls ? "tls" : "insecure", networkTag: tls?.networkTag ?? "" };
}
