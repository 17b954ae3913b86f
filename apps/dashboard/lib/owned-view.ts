/**
 * Owned (signed) records as the Data page shows them, checked on the dashboard's server with
 * the same code replicas use (@p2p/dht/owned): the signature over (salt, seq, value) and that
 * the record sits under owned/<sha256(public key || salt)>. The page's "verified" badge is this
 * check, not the peer's word.
 */
import type { GetOwnedResponse } from "@p2p/proto/node";
import { ownedKey, verifyOwned } from "@p2p/dht/owned";
import type { OwnedView } from "./data-types";

const toUtf8 = new TextEncoder();
/** Longest value sent to the browser for a listing row; a single read sends it whole. */
export const LISTED_VALUE_CHARS = 200;

export function ownedView(r: GetOwnedResponse, full: boolean): OwnedView {
  const publicKey = Buffer.from(r.publicKey, "hex");
  const salt = toUtf8.encode(r.salt);
  const verified =
    ownedKey(publicKey, salt) === r.key &&
    verifyOwned({ publicKey, salt, seq: Number(r.seq), signature: Buffer.from(r.signature, "hex"), value: toUtf8.encode(r.value) });
  const value = full || r.value.length <= LISTED_VALUE_CHARS ? r.value : `${r.value.slice(0, LISTED_VALUE_CHARS)}…`;
  return { key: r.key, owner: r.publicKey, salt: r.salt, seq: Number(r.seq), value, signature: r.signature, verified };
}
