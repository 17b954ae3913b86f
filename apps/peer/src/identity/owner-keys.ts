/**
 * Owner keys a peer holds for clients that ask it to sign owned records (AdminService's
 * CreateOwnerKey and PutOwnedWithPeerKey): `<dataDir>/owner-keys/<name>.key`, PKCS#8 PEM, mode
 * 0600, written atomically like identity.key. The private key never leaves this module: callers
 * get a KeyObject to sign with and the public key to publish.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { writeSecretFile } from "./secret-file.js";
import { join } from "node:path";
import type { KeyObject } from "node:crypto";
import { DhtError, generateOwnerKey, ownerPublicKey, parseOwnerKey } from "@p2p/dht";

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const OWNER_KEYS_DIR = "owner-keys";

export class OwnerKeys {
  readonly #dir: string;

  constructor(dataDir: string) {
    this.#dir = join(dataDir, OWNER_KEYS_DIR);
  }

  /** Creates the key `name` unless it exists; answers its public key either way. */
  create(name: string): { publicKey: Uint8Array; created: boolean } {
    const held = this.#read(name);
    if (held) return { publicKey: ownerPublicKey(held), created: false };
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    const { privateKeyPem, publicKey } = generateOwnerKey();
    writeSecretFile(this.#file(name), privateKeyPem);
    return { publicKey, created: true };
  }

  /** The key `name`; NOT_FOUND when this peer holds none by that name. */
  load(name: string): KeyObject {
    const key = this.#read(name);
    if (!key) throw DhtError.notFound(`key_name: this peer holds no owner key named ${JSON.stringify(name)} (create it with AdminService/CreateOwnerKey)`);
    return key;
  }

  #file(name: string): string {
    if (!NAME.test(name)) throw DhtError.invalidArgument(`key_name: must be 1 to 64 of A-Z a-z 0-9 _ -, got ${JSON.stringify(name.slice(0, 80))}`);
    return join(this.#dir, `${name}.key`);
  }

  #read(name: string): KeyObject | undefined {
    let pem: string;
    try {
      pem = readFileSync(this.#file(name), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    try {
      return parseOwnerKey(pem);
    } catch (err) {
      // The file name only: the key's bytes stay out of messages and logs.
      throw DhtError.internal(`owner key ${name}: its file does not hold an Ed25519 private key`, err);
    }
  }
}
