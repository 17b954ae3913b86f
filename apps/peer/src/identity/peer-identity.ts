/**
 * A peer's long-term identity: an Ed25519 key pair. The peer ID is derived from the public
 * key, so an ID cannot be claimed without the private key (see signed-contact.ts).
 */
import { createHash, createPrivateKey, generateKeyPairSync, sign } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { rawEd25519PublicKey, type NodeId } from "@p2p/dht";
import { readIdentityKeyFile, writeIdentityKeyFile } from "./identity-key-file.js";

// Raw Ed25519 keys and signatures are the DHT core's (one parser, one cache of parsed keys).
export { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, verifyEd25519 } from "@p2p/dht";

/** The peer ID of a raw Ed25519 public key: SHA-256 of its 32 bytes, lowercase hex. */
export function nodeIdOfPublicKey(publicKey: Uint8Array): NodeId {
  return createHash("sha256").update(publicKey).digest("hex");
}

export class PeerIdentity {
  /** SHA-256 of the raw public key, 64 lowercase hex characters. */
  readonly id: NodeId;
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  readonly #privateKey: KeyObject;

  private constructor(privateKey: KeyObject) {
    this.#privateKey = privateKey;
    this.publicKey = rawEd25519PublicKey(privateKey);
    this.id = nodeIdOfPublicKey(this.publicKey);
  }

  /** A fresh random identity (first start of a peer). */
  static generate(): PeerIdentity {
    return new PeerIdentity(generateKeyPairSync("ed25519").privateKey);
  }

  /**
   * Restores an identity from the bytes exportPrivateKey() returned.
   * @throws Error naming the problem when the bytes are not a PKCS#8 Ed25519 private key.
   */
  static fromPrivateKey(pkcs8Der: Uint8Array): PeerIdentity {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: Buffer.from(pkcs8Der), format: "der", type: "pkcs8" });
    } catch (err) {
      throw new Error("identity key: not a PKCS#8 DER private key", { cause: err });
    }
    if (key.asymmetricKeyType !== "ed25519") {
      throw new Error(`identity key: expected an Ed25519 key, got ${key.asymmetricKeyType ?? "unknown"}`);
    }
    return new PeerIdentity(key);
  }

  /** The private key as PKCS#8 DER, for the data dir. Secret: never log or send it. */
  exportPrivateKey(): Uint8Array {
    return new Uint8Array(this.#privateKey.export({ format: "der", type: "pkcs8" }));
  }

  /** A 64-byte Ed25519 signature of `data`. */
  sign(data: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, data, this.#privateKey));
  }
}

/** Where the key of an older run may be: the database of runs before identity.key existed. */
export interface LegacyIdentityKeySource {
  loadLegacyIdentityKey(): Uint8Array | undefined;
  /** Called once identity.key durably holds the key. */
  forgetLegacyIdentityKey(): Promise<void>;
}

/** Where loadIdentity found the identity. */
export type IdentitySource = "file" | "migrated" | "created";

/**
 * The peer's identity from `<dataDir>/identity.key`, so a restarted peer keeps its ID. When the
 * file is absent the key of an older run is moved there from `legacy` (the database), and only
 * on a first start is a new key created; either is written (and fsynced) before it is used.
 * @throws IdentityKeyFileError when identity.key exists but is unreadable: never silently a new ID.
 */
export async function loadIdentity(dataDir: string, legacy?: LegacyIdentityKeySource): Promise<{ identity: PeerIdentity; source: IdentitySource }> {
  const saved = readIdentityKeyFile(dataDir);
  if (saved) return { identity: PeerIdentity.fromPrivateKey(saved), source: "file" };
  const old = legacy?.loadLegacyIdentityKey();
  const identity = old ? PeerIdentity.fromPrivateKey(old) : PeerIdentity.generate();
  writeIdentityKeyFile(dataDir, identity.exportPrivateKey());
  // Deleted only after the file is durable: a crash in between leaves two copies, never none.
  if (old) await legacy!.forgetLegacyIdentityKey();
  return { identity, source: old ? "migrated" : "created" };
}
