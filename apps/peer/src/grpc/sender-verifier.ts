/**
 * Who sent a PeerService request. Every request carries its sender's signed contact; over TLS
 * the connection itself proved a peer ID (tls/peer-tls.ts), and the contact must be that peer's.
 * Without this binding a signed contact, which covers no request and no connection, could be
 * replayed by anyone who once saw it: a contact from a Ping reply sent in Goodbye to every
 * peer evicted its owner from their routing tables. With `--insecure` there is no connection
 * identity and the contact's signature is all there is (the replay stays possible: the price
 * of plaintext, said wherever --insecure is shown).
 */
import type { SignedContact } from "@p2p/proto/peer";
import { DhtError } from "@p2p/dht";
import type { Contact, NodeId } from "@p2p/dht";
import type { ContactVerifier } from "../identity/signed-contact.js";

/** The part of a grpc-js server call that tells who is on the other end of its connection. */
export interface AuthenticatedCall {
  getAuthContext(): { transportSecurityType?: string; sslPeerCertificate?: { subject?: { CN?: string | string[] } } };
}

export class SenderVerifier {
  constructor(
    private readonly contacts: ContactVerifier,
    /** True when connections are TLS with peer certificates: the sender must be the connection's peer. */
    readonly authenticated: boolean,
  ) {}

  /** The verified sender of `call`'s request, or a DhtError (invalid_argument / unauthenticated) saying why not. */
  verify(call: AuthenticatedCall, signed: SignedContact | undefined, field: string): Contact {
    const from = this.contacts.verify(signed, field);
    if (!this.authenticated) return from;
    const proven = connectionPeer(call);
    if (proven === undefined) throw DhtError.unauthenticated("this connection proved no peer identity (TLS with a peer certificate is required)");
    if (proven !== from.id) throw DhtError.unauthenticated(`${field}.id ${from.id} is not the peer this connection authenticated (${proven})`);
    return from;
  }
}

/**
 * The peer ID the connection's certificate proved. grpc-js reports the certificate only for a
 * connection marked authorized, which the listener does after PeerTls.admit checked that the
 * certificate's key hashes to its subject's CN; so the CN is the proven ID.
 */
function connectionPeer(call: AuthenticatedCall): NodeId | undefined {
  const cn = call.getAuthContext().sslPeerCertificate?.subject?.CN;
  return typeof cn === "string" ? cn : undefined;
}
