/**
 * Owned (signed) records from the CLI. `p2p put --sign KEYFILE NAME VALUE` signs (salt, seq,
 * value) here with the owner's private key, which never leaves this process; the peer and
 * every replica check the signature. `p2p get --owner PUBKEY NAME` checks it again here, so a
 * reader need not trust the peer it asks. NAME is the record's salt ("-" for none).
 */
import { readFileSync } from "node:fs";
import { Code, ConnectError } from "@connectrpc/connect";
import { toJson } from "@bufbuild/protobuf";
import { GetOwnedResponseSchema, OwnedConflictSchema, PutOwnedResponseSchema, type GetOwnedResponse } from "@p2p/proto/node";
import { OWNER_KEY_BYTES, parseOwnerKey, signOwned, verifyOwned, ownerPublicKey } from "@p2p/dht";
import { unaryCall } from "../clients.js";
import { emit, type CommandContext } from "../context.js";
import { corruptError, usageError } from "../errors.js";
import { readStdin } from "../stdin.js";

const MAX_STDIN_BYTES = 64 * 1024 * 1024;
const toUtf8 = new TextEncoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

export interface OwnedPutFlags {
  sign: string;
  salt?: string;
  /** A number, or "auto" (default): the current seq + 1, 0 when none is held. */
  seq?: string;
  cas?: string;
}

/** The record's salt: NAME, or --salt with NAME "-". */
export function saltOf(name: string | undefined, salt: string | undefined): string {
  if (salt !== undefined && name !== undefined && name !== "-" && name !== salt) throw usageError(`give the record's name either as NAME or as --salt, not both`);
  return salt ?? (name === undefined || name === "-" ? "" : name);
}

function seqArg(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw usageError(`${flag}: expected an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got ${JSON.stringify(value)}`);
  return Number(value);
}

function readKey(file: string) {
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (err) {
    throw usageError(`--sign: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return parseOwnerKey(pem);
  } catch (err) {
    throw usageError(`--sign: ${file}: ${(err as Error).message} (make one with p2p keygen)`);
  }
}

export async function putOwned(ctx: CommandContext, name: string, value: string, flags: OwnedPutFlags): Promise<void> {
  const key = readKey(flags.sign);
  const salt = saltOf(name, flags.salt);
  const publicKey = hex(ownerPublicKey(key));
  const text = value === "-" ? await readStdin(MAX_STDIN_BYTES) : value;
  const cas = flags.cas === undefined ? undefined : seqArg("--cas", flags.cas);
  const seq = flags.seq === undefined || flags.seq === "auto" ? await nextSeq(ctx, publicKey, salt) : seqArg("--seq", flags.seq);
  const e = signOwned(key, { salt: toUtf8.encode(salt), seq, value: toUtf8.encode(text) });
  try {
    const r = await ctx.client.putOwned({ publicKey, salt, seq: BigInt(seq), signature: hex(e.signature), value: text, ...(cas === undefined ? {} : { cas: BigInt(cas) }) }, unaryCall(ctx.opts, ctx.signal));
    emit(ctx, toJson(PutOwnedResponseSchema, r, { alwaysEmitImplicit: true }), [`stored owned record ${JSON.stringify(salt)} of ${publicKey.slice(0, 16)}… seq ${seq} (acknowledged by ${r.acknowledgedBy.length} of ${r.replicas.length} replicas)`]);
  } catch (err) {
    const c = err instanceof ConnectError && err.code === Code.Aborted ? err.findDetails(OwnedConflictSchema)[0] : undefined;
    if (!c) throw err;
    const current = c.currentSeq === undefined ? "none held" : String(c.currentSeq);
    throw new ConnectError(`${err instanceof ConnectError ? err.rawMessage : ""} (current seq: ${current})`, Code.Aborted);
  }
}

async function nextSeq(ctx: CommandContext, publicKey: string, salt: string): Promise<number> {
  try {
    return Number((await ctx.client.getOwned({ publicKey, salt }, unaryCall(ctx.opts, ctx.signal))).seq) + 1;
  } catch (err) {
    if (err instanceof ConnectError && err.code === Code.NotFound) return 0;
    throw err;
  }
}

/** Checks an answer here: the owner asked for, and its signature over (salt, seq, value). */
export function verifyAnswer(owner: string, r: GetOwnedResponse): boolean {
  if (r.publicKey.toLowerCase() !== owner.toLowerCase()) return false;
  return verifyOwned({ publicKey: Buffer.from(r.publicKey, "hex"), salt: toUtf8.encode(r.salt), seq: Number(r.seq), signature: Buffer.from(r.signature, "hex"), value: toUtf8.encode(r.value) });
}

export async function getOwned(ctx: CommandContext, name: string | undefined, flags: { owner: string; salt?: string }): Promise<void> {
  if (!/^[0-9a-fA-F]+$/.test(flags.owner) || flags.owner.length !== OWNER_KEY_BYTES * 2) throw usageError(`--owner: expected the owner's public key as ${OWNER_KEY_BYTES * 2} hex digits (p2p keygen prints it)`);
  const salt = saltOf(name, flags.salt);
  const r = await ctx.client.getOwned({ publicKey: flags.owner, salt }, unaryCall(ctx.opts, ctx.signal));
  if (!verifyAnswer(flags.owner, r)) throw corruptError(`the peer answered a record whose signature does not verify with ${flags.owner.slice(0, 16)}…: refused`);
  emit(ctx, { ...(toJson(GetOwnedResponseSchema, r, { alwaysEmitImplicit: true }) as Record<string, unknown>), verified: true }, [r.value], false);
}
