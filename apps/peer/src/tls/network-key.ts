/**
 * A private network's pre-shared key (`--network-key <file>`). A member proves membership in
 * its TLS certificate with HMAC(key, its public key): bound to its own key, so copying another
 * member's proof is useless without that member's private key. The network's tag (an HMAC of
 * a fixed string) names the network in logs and in certificates without revealing the key, so
 * a peer refused for having no key, or another network's, is told which network it met.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Membership } from "./peer-certificate.js";
import { MEMBERSHIP_PROOF_BYTES, NETWORK_TAG_BYTES } from "./peer-certificate.js";

export const NETWORK_KEY_BYTES = 32;
const TAG_INPUT = Buffer.from("p2p.v1.network-tag\0");
const MEMBER_DOMAIN = Buffer.from("p2p.v1.network-member\0");

export class NetworkKey {
  readonly #key: Buffer;
  /** Identifies the network, 16 hex characters; not secret. */
  readonly tag: string;

  constructor(key: Uint8Array) {
    if (key.length !== NETWORK_KEY_BYTES) throw new Error(`network key: expected ${NETWORK_KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
    this.tag = this.#hmac(TAG_INPUT).subarray(0, NETWORK_TAG_BYTES).toString("hex");
  }

  /**
   * Reads a key file: 64 hex characters (e.g. from `openssl rand -hex 32`), surrounding
   * whitespace ignored. Throws an Error naming the file and the problem.
   */
  static fromFile(path: string): NetworkKey {
    let text: string;
    try {
      text = readFileSync(path, "utf8").trim();
    } catch (err) {
      throw new Error(`--network-key ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (!/^[0-9a-fA-F]{64}$/.test(text)) {
      throw new Error(`--network-key ${path}: expected 64 hex characters (32 bytes, e.g. \`openssl rand -hex 32\`), got ${text.length} characters`);
    }
    return new NetworkKey(Buffer.from(text, "hex"));
  }

  /** This member's claim, for its certificate. */
  membershipOf(publicKey: Uint8Array): Membership {
    return { tag: Buffer.from(this.tag, "hex"), proof: this.#proof(publicKey) };
  }

  /** True when `membership` is a valid claim of this network for `publicKey`. */
  admits(publicKey: Uint8Array, membership: Membership | undefined): boolean {
    if (!membership || membership.proof.length !== MEMBERSHIP_PROOF_BYTES) return false;
    return Buffer.from(membership.tag).toString("hex") === this.tag && timingSafeEqual(this.#proof(publicKey), membership.proof);
  }

  #proof(publicKey: Uint8Array): Buffer {
    return this.#hmac(Buffer.concat([MEMBER_DOMAIN, publicKey]));
  }

  #hmac(data: Uint8Array): Buffer {
    return createHmac("sha256", this.#key).update(data).digest();
  }
}
