/**
 * Signed contacts: every peer message carries its sender's contact signed with the sender's
 * identity key, so a receiver only ever learns contacts whose ID the sender owns (the ID is
 * the hash of the key) and whose addresses that owner claimed.
 */
import { create } from "@bufbuild/protobuf";
import { SignedContactSchema } from "@p2p/proto/peer";
import type { SignedContact } from "@p2p/proto/peer";
import { DhtError, systemClock } from "@p2p/dht";
import type { Clock, Contact } from "@p2p/dht";
import { ED25519_PUBLIC_KEY_BYTES, nodeIdOfPublicKey, verifyEd25519 } from "./peer-identity.js";
import type { PeerIdentity } from "./peer-identity.js";
import { hostPortProblem, isNodeId } from "./contact-format.js";

/** Domain separation: these bytes can never be mistaken for another signed structure. */
const DOMAIN = new TextEncoder().encode("p2p.v1.SignedContact\0");

/**
 * The bytes a contact signature covers: the domain prefix, then each field as a 4-byte
 * big-endian length and its bytes (id, grpc address, http address, public key), then
 * signed_at_ms as an 8-byte big-endian integer. Length prefixes make the encoding
 * unambiguous ("a"+"bc" and "ab"+"c" differ).
 */
export function canonicalContactBytes(fields: {
  id: string;
  grpcAddress: string;
  httpAddress: string;
  publicKey: Uint8Array;
  signedAtMs: bigint;
}): Uint8Array {
  const enc = new TextEncoder();
  const parts = [enc.encode(fields.id), enc.encode(fields.grpcAddress), enc.encode(fields.httpAddress), fields.publicKey];
  const size = DOMAIN.length + parts.reduce((n, p) => n + 4 + p.length, 0) + 8;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(DOMAIN, 0);
  let at = DOMAIN.length;
  for (const part of parts) {
    view.setUint32(at, part.length);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  view.setBigUint64(at, BigInt.asUintN(64, fields.signedAtMs));
  return out;
}

/**
 * Signs `contact` (which must carry `identity.id`) as of `nowMs`.
 * @throws Error when the contact's id is not the identity's.
 */
export function signContact(identity: PeerIdentity, contact: Contact, nowMs: number): SignedContact {
  if (contact.id !== identity.id) throw new Error(`signContact: contact id ${contact.id} is not this identity's ${identity.id}`);
  const fields = {
    id: contact.id,
    grpcAddress: contact.address,
    httpAddress: contact.httpAddress,
    publicKey: identity.publicKey,
    signedAtMs: BigInt(Math.trunc(nowMs)),
  };
  return create(SignedContactSchema, { ...fields, signature: identity.sign(canonicalContactBytes(fields)) });
}

/**
 * The local peer's signed contact, signed once and re-signed only when the advertised
 * addresses change (signing on every message would cost ~50 µs each and defeat the
 * verifiers' caches, which key on the signature).
 */
export class SelfContactSigner {
  #cached: { contact: Contact; signed: SignedContact } | undefined;

  constructor(
    private readonly identity: PeerIdentity,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The signed form of `self` (whose id must be the identity's). */
  sign(self: Contact): SignedContact {
    const c = this.#cached;
    if (c && c.contact.address === self.address && c.contact.httpAddress === self.httpAddress && c.contact.id === self.id) {
      return c.signed;
    }
    const signed = signContact(this.identity, self, this.clock.now());
    this.#cached = { contact: { ...self }, signed };
    return signed;
  }
}

export interface ContactVerifierOptions {
  /** Verified contacts remembered (LRU), keyed by signature. Default 4096: a few routing tables' worth. */
  cacheSize?: number;
  /** How far signed_at_ms may lie in the future (clock skew between hosts). Default 10 minutes. */
  maxFutureSkewMs?: number;
  /** Default: the system clock. */
  clock?: Clock;
}

interface VerifiedEntry {
  contact: Contact;
  publicKey: Uint8Array;
  signedAtMs: bigint;
}

function unauthenticated(field: string, problem: string): DhtError {
  return DhtError.unauthenticated(`${field}: ${problem}`);
}

function invalid(field: string, problem: string): DhtError {
  return DhtError.invalidArgument(`${field}: ${problem}`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * Verifies signed contacts, each distinct one once: an Ed25519 verification costs ~100 µs,
 * while a peer sees the same few hundred contacts on every message.
 */
export class ContactVerifier {
  readonly #cache = new Map<string, VerifiedEntry>();
  readonly #cacheSize: number;
  readonly #maxFutureSkewMs: number;
  readonly #clock: Clock;

  constructor(opts: ContactVerifierOptions = {}) {
    this.#cacheSize = opts.cacheSize ?? 4096;
    this.#maxFutureSkewMs = opts.maxFutureSkewMs ?? 10 * 60_000;
    this.#clock = opts.clock ?? systemClock;
  }

  /**
   * The contact `msg` proves, or a DhtError naming `field` and the problem:
   * Unauthenticated when missing, when id is not SHA-256 of public_key, or when the
   * signature does not match; InvalidArgument for malformed fields, addresses that are not
   * host:port, or signed_at_ms too far in the future.
   */
  verify(msg: SignedContact | undefined, field = "sender"): Contact {
    if (!msg) throw unauthenticated(field, "missing signed contact");
    // Runs for every request and reply: a view (no copy) read as latin1 (no base64 encoding).
    const sig = msg.signature;
    const key = Buffer.from(sig.buffer, sig.byteOffset, sig.byteLength).toString("latin1");
    const hit = this.#cache.get(key);
    // A cache hit must match every signed field: a replayed signature with altered fields is a forgery.
    if (
      hit &&
      hit.contact.id === msg.id &&
      hit.contact.address === msg.grpcAddress &&
      hit.contact.httpAddress === msg.httpAddress &&
      hit.signedAtMs === msg.signedAtMs &&
      sameBytes(hit.publicKey, msg.publicKey)
    ) {
      this.#cache.delete(key);
      this.#cache.set(key, hit);
      return { ...hit.contact };
    }
    const contact = this.#verifyUncached(msg, field);
    this.#cache.set(key, { contact, publicKey: new Uint8Array(msg.publicKey), signedAtMs: msg.signedAtMs });
    if (this.#cache.size > this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value as string);
    return { ...contact };
  }

  /** Number of contacts currently cached (for tests and metrics). */
  get cachedCount(): number {
    return this.#cache.size;
  }

  #verifyUncached(msg: SignedContact, field: string): Contact {
    if (!isNodeId(msg.id)) throw invalid(`${field}.id`, "must be 64 lowercase hex characters");
    const grpcProblem = hostPortProblem(msg.grpcAddress);
    if (grpcProblem) throw invalid(`${field}.grpc_address`, grpcProblem);
    if (msg.httpAddress !== "") {
      const httpProblem = hostPortProblem(msg.httpAddress);
      if (httpProblem) throw invalid(`${field}.http_address`, httpProblem);
    }
    if (msg.publicKey.length !== ED25519_PUBLIC_KEY_BYTES) {
      throw invalid(`${field}.public_key`, `must be ${ED25519_PUBLIC_KEY_BYTES} bytes, got ${msg.publicKey.length}`);
    }
    if (msg.signedAtMs > BigInt(this.#clock.now() + this.#maxFutureSkewMs)) {
      throw invalid(`${field}.signed_at_ms`, "lies too far in the future");
    }
    if (nodeIdOfPublicKey(msg.publicKey) !== msg.id) {
      throw unauthenticated(`${field}.id`, "is not the SHA-256 of public_key");
    }
    if (!verifyEd25519(msg.publicKey, canonicalContactBytes(msg), msg.signature)) {
      throw unauthenticated(`${field}.signature`, "does not verify");
    }
    return { id: msg.id, address: msg.grpcAddress, httpAddress: msg.httpAddress };
  }
}
