/**
 * AdminService's owner keys held by this peer: CreateOwnerKey, and PutOwnedWithPeerKey, which
 * signs with one and stores the record as PutOwned does. Behind the admin guard: whoever may
 * sign with a held key may write as its owner, so only this machine's callers (or holders of
 * the admin token) may; a client that keeps its own key signs locally instead (p2p put --sign).
 */
import { errorCode, ownerPublicKey, signOwned } from "@p2p/dht";
import type { KeyObject } from "node:crypto";
import type { ApiContext } from "./api-context.js";
import type { AdminServiceHandlers } from "./admin-service.js";
import { ownedWriteFields } from "./node-service-owned.js";
import { saltField, seqField } from "./owned-input.js";
import type { OwnerKeys } from "../identity/owner-keys.js";

const toUtf8 = new TextEncoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

export function ownerKeyHandlers(ctx: ApiContext, keys: () => OwnerKeys): AdminServiceHandlers {
  return {
    createOwnerKey(req) {
      const { publicKey, created } = keys().create(req.name);
      return { name: req.name, publicKey: hex(publicKey), created };
    },
    async putOwnedWithPeerKey(req, hc) {
      const key = keys().load(req.keyName);
      const salt = saltField(req.salt);
      const cas = req.cas === undefined ? undefined : seqField("cas", req.cas);
      const seq = req.seq === undefined ? await nextSeq(ctx, key, salt, hc.signal) : seqField("seq", req.seq);
      const e = signOwned(key, { salt, seq, value: toUtf8.encode(req.value) });
      const w = await ctx.node.putOwned(e, { signal: hc.signal, ...(cas === undefined ? {} : { cas }) });
      return { result: ownedWriteFields(w, seq, hex(e.publicKey)) };
    },
  };
}

/** The current seq + 1, or 0 when no record is held. */
async function nextSeq(ctx: ApiContext, key: KeyObject, salt: Uint8Array, signal: AbortSignal): Promise<number> {
  try {
    return (await ctx.node.getOwned(ownerPublicKey(key), salt, { signal })).envelope.seq + 1;
  } catch (err) {
    if (errorCode(err) === "not_found") return 0;
    throw err;
  }
}
