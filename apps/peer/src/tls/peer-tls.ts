/**
 * TLS between peers: one policy for both ends of every gRPC connection. Each side presents its
 * peer certificate (peer-certificate.ts) and checks the other's: the key must hash to the peer
 * ID, the ID must be the one dialled (when known), and in a private network the certificate
 * must carry a valid membership proof of this network's key. A connection that fails any check
 * is closed before a single RPC byte crosses it, with one log line saying why on each side.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { createSecureContext, type SecureContext, type TlsOptions } from "node:tls";
import { silentLogger } from "@p2p/dht";
import type { Logger, NodeId } from "@p2p/dht";
import type { PeerIdentity } from "../identity/peer-identity.js";
import { createPeerCertificate, readPeerCertificate } from "./peer-certificate.js";
import type { NetworkKey } from "./network-key.js";

/** Why a connection was refused, for the metric's label. */
export type TlsRefusalKind = "no_certificate" | "bad_certificate" | "not_member" | "foreign_network" | "wrong_peer";

export class TlsRefusal extends Error {
  constructor(
    message: string,
    readonly kind: TlsRefusalKind,
  ) {
    super(message);
  }
}

export interface PeerTlsOptions {
  identity: PeerIdentity;
  /** Set in a private network: only holders of this key are admitted, and we prove we hold it. */
  networkKey?: NetworkKey;
  log?: Logger;
  /** Told of each refused connection (for `p2p_tls_refused_total`). */
  onRefused?: (kind: TlsRefusalKind, side: "server" | "client") => void;
}

/** At most one log line per this many ms for the same refusal of the same remote: an attacker's retries must not flood the log. */
const LOG_EVERY_MS = 10_000;
const LOG_MEMORY = 1024;

export class PeerTls {
  readonly secureContext: SecureContext;
  /** The private network's tag, or undefined on an open network. */
  readonly networkTag: string | undefined;
  readonly #key: KeyObject;
  readonly #cert: string;
  readonly #networkKey: NetworkKey | undefined;
  readonly #log: Logger;
  readonly #onRefused: PeerTlsOptions["onRefused"];
  readonly #lastLogged = new Map<string, number>();

  constructor(opts: PeerTlsOptions) {
    this.#networkKey = opts.networkKey;
    this.networkTag = opts.networkKey?.tag;
    this.#key = createPrivateKey({ key: Buffer.from(opts.identity.exportPrivateKey()), format: "der", type: "pkcs8" });
    this.#cert = createPeerCertificate(opts.identity, opts.networkKey?.membershipOf(opts.identity.publicKey));
    this.secureContext = createSecureContext({ key: this.#key.export({ format: "pem", type: "pkcs8" }), cert: this.#cert, minVersion: "TLSv1.3" });
    this.#log = opts.log ?? silentLogger;
    this.#onRefused = opts.onRefused;
  }

  /** Options of the gRPC port's TLS server: a client certificate is asked for and checked by `admit`. */
  serverOptions(handshakeTimeoutMs: number): TlsOptions {
    return {
      key: this.#key.export({ format: "pem", type: "pkcs8" }),
      cert: this.#cert,
      minVersion: "TLSv1.3",
      requestCert: true,
      // Self-signed by design: OpenSSL's chain check cannot pass, admit() does the real check.
      rejectUnauthorized: false,
      ALPNProtocols: ["h2"],
      handshakeTimeout: handshakeTimeoutMs,
    };
  }

  /**
   * The peer ID the other end's certificate `raw` proves, when it may be talked to; else a
   * TlsRefusal (logged, counted) saying why. `expectedId`: the peer we meant to reach.
   */
  admit(raw: Uint8Array | undefined, remote: string, side: "server" | "client", expectedId?: NodeId): NodeId | TlsRefusal {
    const refusal = this.#check(raw, expectedId);
    if (typeof refusal === "string") return refusal; // the proven peer ID
    this.#onRefused?.(refusal.kind, side);
    const key = `${side} ${remote} ${refusal.kind}`;
    const now = Date.now();
    if ((this.#lastLogged.get(key) ?? -Infinity) + LOG_EVERY_MS <= now) {
      if (this.#lastLogged.size >= LOG_MEMORY) this.#lastLogged.clear();
      this.#lastLogged.set(key, now);
      this.#log.warn({ remote, side, reason: refusal.kind, network: this.networkTag ?? "open" }, `refused TLS connection: ${refusal.message}`);
    }
    return refusal;
  }

  #check(raw: Uint8Array | undefined, expectedId: NodeId | undefined): NodeId | TlsRefusal {
    if (!raw || raw.length === 0) return new TlsRefusal("the other end presented no certificate", "no_certificate");
    const facts = readPeerCertificate(raw);
    if (typeof facts === "string") return new TlsRefusal(`the other end's ${facts}`, "bad_certificate");
    const theirs = facts.membership ? Buffer.from(facts.membership.tag).toString("hex") : undefined;
    const ours = this.#networkKey;
    if (ours && !ours.admits(facts.publicKey, facts.membership)) {
      const why = !theirs ? "it has no network key" : theirs !== ours.tag ? `it belongs to network ${theirs}` : "its membership proof is forged";
      return new TlsRefusal(`peer ${facts.id} is not a member of private network ${ours.tag} (${why})`, theirs && theirs !== ours.tag ? "foreign_network" : "not_member");
    }
    if (!ours && theirs) {
      return new TlsRefusal(`peer ${facts.id} belongs to private network ${theirs}; this peer has no --network-key`, "foreign_network");
    }
    if (expectedId !== undefined && facts.id !== expectedId) {
      return new TlsRefusal(`the peer there is ${facts.id}, not ${expectedId}`, "wrong_peer");
    }
    return facts.id;
  }
}
