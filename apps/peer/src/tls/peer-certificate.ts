/**
 * A peer's TLS certificate: self-signed, its key the peer's own Ed25519 identity key, its
 * subject CN the peer ID (SHA-256 of that key). TLS 1.3 proves the other end holds the
 * certificate's private key (CertificateVerify), so a certificate whose key hashes to the ID is
 * proof of the ID, with no CA: the way libp2p's TLS handshake binds a peer ID to a connection
 * (libp2p signs a separate host key with the identity key; using the identity key as the
 * certificate key directly is simpler and as strong, since ours is Ed25519, which TLS 1.3 supports).
 *
 * A private network's members also name it in their subject (network-key.ts): an OU attribute
 * with the network's tag and an HMAC of their public key under the network key. (A subject
 * attribute rather than a private extension: an unregistered OID would have to live under 2.25,
 * whose 128-bit arcs asn1js decodes wrongly, and every X.509 tool shows an OU.)
 */
import { randomBytes, X509Certificate } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from "@peculiar/asn1-x509";
import type { NodeId } from "@p2p/dht";
import { ED25519_PUBLIC_KEY_BYTES, nodeIdOfPublicKey } from "../identity/peer-identity.js";
import type { PeerIdentity } from "../identity/peer-identity.js";

const ED25519_OID = "1.3.101.112";
const COMMON_NAME_OID = "2.5.4.3";
const ORGANIZATIONAL_UNIT_OID = "2.5.4.11";
/** The OU of a member: `p2p-network <tag hex>/<proof hex>`. */
const MEMBERSHIP_PREFIX = "p2p-network ";
export const NETWORK_TAG_BYTES = 8;
export const MEMBERSHIP_PROOF_BYTES = 32;

/** A private network's claim in a certificate. */
export interface Membership {
  /** Identifies the network (not secret): HMAC(network key, "tag"), first 8 bytes. */
  tag: Uint8Array;
  /** HMAC(network key, public key): only a holder of the key can compute it for this key. */
  proof: Uint8Array;
}

/** What a verified certificate says about the other end. */
export interface PeerCertificateFacts {
  id: NodeId;
  publicKey: Uint8Array;
  membership?: Membership;
}

/**
 * A self-signed certificate for `identity`, PEM, with `membership` when the peer belongs to a
 * private network. Valid from an hour ago (clock skew) with no expiry (RFC 5280's 99991231235959Z):
 * it is made afresh at every start, and what peers check is the key, not dates.
 */
export function createPeerCertificate(identity: PeerIdentity, membership?: Membership): string {
  const rdns = [rdn(COMMON_NAME_OID, identity.id)];
  if (membership) rdns.push(rdn(ORGANIZATIONAL_UNIT_OID, `${MEMBERSHIP_PREFIX}${hex(membership.tag)}/${hex(membership.proof)}`));
  const name = new Name(rdns);
  const algorithm = new AlgorithmIdentifier({ algorithm: ED25519_OID });
  const serial = randomBytes(16);
  // A positive INTEGER in minimal DER: top bit clear (else negative) and not a zero first byte
  // (a redundant leading zero is "illegal padding" to OpenSSL; 0.4% of random serials had one
  // and those peers could not start).
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(serial),
    signature: algorithm,
    issuer: name,
    validity: new Validity({ notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.UTC(9999, 11, 31, 23, 59, 59)) }),
    subject: name,
    subjectPublicKeyInfo: new SubjectPublicKeyInfo({ algorithm, subjectPublicKey: toArrayBuffer(identity.publicKey) }),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const cert = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: toArrayBuffer(identity.sign(tbsDer)) });
  const der = Buffer.from(AsnConvert.serialize(cert));
  return `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`.replace("\n\n", "\n");
}

/**
 * What the DER certificate `raw` proves, or a sentence saying why it proves nothing: not
 * Ed25519, a subject that is not the key's peer ID, a bad self-signature, a malformed
 * membership extension. Never throws.
 */
export function readPeerCertificate(raw: Uint8Array): PeerCertificateFacts | string {
  let x509: X509Certificate;
  let parsed: Certificate;
  try {
    x509 = new X509Certificate(raw);
    parsed = AsnConvert.parse(raw, Certificate);
  } catch {
    return "certificate is not valid X.509";
  }
  const spki = parsed.tbsCertificate.subjectPublicKeyInfo;
  if (spki.algorithm.algorithm !== ED25519_OID) return "certificate key is not Ed25519";
  const publicKey = new Uint8Array(spki.subjectPublicKey);
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return "certificate key is not a 32-byte Ed25519 key";
  if (!x509.verify(x509.publicKey)) return "certificate is not signed by its own key";
  const id = nodeIdOfPublicKey(publicKey);
  if (subjectAttribute(parsed, COMMON_NAME_OID) !== id) return "certificate subject is not the peer ID of its key";
  const ou = subjectAttribute(parsed, ORGANIZATIONAL_UNIT_OID);
  if (ou === undefined) return { id, publicKey };
  const membership = parseMembership(ou);
  if (typeof membership === "string") return membership;
  return { id, publicKey, membership };
}

function rdn(type: string, value: string): RelativeDistinguishedName {
  return new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) })]);
}

function parseMembership(ou: string): Membership | string {
  const m = new RegExp(`^${MEMBERSHIP_PREFIX}([0-9a-f]{${2 * NETWORK_TAG_BYTES}})/([0-9a-f]{${2 * MEMBERSHIP_PROOF_BYTES}})$`).exec(ou);
  if (!m) return "certificate subject OU is not a network membership";
  return { tag: Buffer.from(m[1]!, "hex"), proof: Buffer.from(m[2]!, "hex") };
}

function subjectAttribute(cert: Certificate, type: string): string | undefined {
  for (const r of cert.tbsCertificate.subject) {
    for (const atv of r) if (atv.type === type) return atv.value.toString();
  }
  return undefined;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
