/**
 * Conversions between the DHT core's types and PeerService messages. Everything decoded
 * here comes from another peer, so each function validates and names the field at fault.
 */
import { create } from "@bufbuild/protobuf";
import { RecordSchema } from "@p2p/proto/peer";
import type { Record as RecordMessage } from "@p2p/proto/peer";
import { PeerRefSchema, VersionSchema } from "@p2p/proto/types";
import type { PeerRef, Version as VersionMessage } from "@p2p/proto/types";
import { DhtError, formatTraceparent } from "@p2p/dht";
import { Metadata } from "@grpc/grpc-js";
import type { CallOptions, Contact, DhtErrorCode, DhtRecord, Version } from "@p2p/dht";
import { hostPortProblem, isNodeId } from "../identity/contact-format.js";

/** Longest record key accepted, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/** A field that failed validation; `code` lets a client treat a bad reply differently from a bad request. */
export function fieldError(field: string, problem: string, code: DhtErrorCode = "invalid_argument"): DhtError {
  return new DhtError(`${field}: ${problem}`, code);
}

/** Throws InvalidArgument unless `target` is a 64-lowercase-hex ring position. */
export function checkTarget(target: string, field = "target"): void {
  if (!isNodeId(target)) throw fieldError(field, "must be 64 lowercase hex characters");
}

/** Throws InvalidArgument unless `key` is 1..MAX_KEY_BYTES bytes of UTF-8. */
export function checkKey(key: string, field = "key", code?: DhtErrorCode): void {
  const bytes = Buffer.byteLength(key, "utf8");
  if (bytes === 0 || bytes > MAX_KEY_BYTES) throw fieldError(field, `must be 1..${MAX_KEY_BYTES} bytes, got ${bytes}`, code);
}

export function versionToProto(v: Version): VersionMessage {
  return create(VersionSchema, { wallTimeMs: BigInt(v.wallMs), logical: v.logical, writer: v.writer });
}

export function versionFromProto(v: VersionMessage | undefined, field: string, code?: DhtErrorCode): Version {
  if (!v) throw fieldError(field, "missing", code);
  if (v.wallTimeMs < 0n || v.wallTimeMs > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw fieldError(`${field}.wall_time_ms`, "out of range", code);
  }
  if (!isNodeId(v.writer)) throw fieldError(`${field}.writer`, "must be 64 lowercase hex characters", code);
  return { wallMs: Number(v.wallTimeMs), logical: v.logical, writer: v.writer };
}

export function recordToProto(r: DhtRecord): RecordMessage {
  return create(RecordSchema, {
    key: r.key,
    value: r.value,
    version: versionToProto(r.version),
    tombstone: r.tombstone,
    ...(r.proof ? { writerPublicKey: r.proof.publicKey, writerSignature: r.proof.signature, ...(r.proof.path ? { writerBatchPath: r.proof.path } : {}) } : {}),
  });
}

/**
 * A validated DhtRecord. `code` is InvalidArgument for requests (the caller's fault) and
 * Internal for replies (the responder broke the protocol).
 */
export function recordFromProto(r: RecordMessage | undefined, field: string, code?: DhtErrorCode): DhtRecord {
  if (!r) throw fieldError(field, "missing", code);
  checkKey(r.key, `${field}.key`, code);
  if (r.tombstone && r.value.length > 0) throw fieldError(`${field}.value`, "a tombstone carries no value", code);
  const record: DhtRecord = { key: r.key, value: r.value, version: versionFromProto(r.version, `${field}.version`, code), tombstone: r.tombstone };
  // The proof's lengths are checked here; whether it verifies, by the node (writer-proof.ts).
  if (r.writerPublicKey.length > 0 || r.writerSignature.length > 0) {
    if (r.writerPublicKey.length !== 32) throw fieldError(`${field}.writer_public_key`, `must be 32 bytes, got ${r.writerPublicKey.length}`, code);
    if (r.writerSignature.length !== 64) throw fieldError(`${field}.writer_signature`, `must be 64 bytes, got ${r.writerSignature.length}`, code);
    record.proof = { publicKey: r.writerPublicKey, signature: r.writerSignature };
    // Its steps are checked with the proof; only its size is bounded here (20 steps of 33 bytes).
    if (r.writerBatchPath.length > 660) throw fieldError(`${field}.writer_batch_path`, `at most 660 bytes, got ${r.writerBatchPath.length}`, code);
    if (r.writerBatchPath.length > 0) record.proof.path = r.writerBatchPath;
  } else if (r.writerBatchPath.length > 0) {
    throw fieldError(`${field}.writer_batch_path`, "set without a writer signature", code);
  }
  return record;
}

export function contactToPeerRef(c: Contact): PeerRef {
  return create(PeerRefSchema, { id: c.id, grpcAddress: c.address, httpAddress: c.httpAddress });
}

/** The contact a PeerRef names, or undefined when any of its fields is malformed. */
export function peerRefToContact(ref: PeerRef): Contact | undefined {
  if (!isNodeId(ref.id) || hostPortProblem(ref.grpcAddress) !== undefined) return undefined;
  if (ref.httpAddress !== "" && hostPortProblem(ref.httpAddress) !== undefined) return undefined;
  return { id: ref.id, address: ref.grpcAddress, httpAddress: ref.httpAddress };
}

/**
 * The contacts of a reply, at most `max` of them (the rest ignored: a peer cannot flood our
 * lookups), malformed ones dropped; `note` hears of both, for a debug log.
 */
export function contactsOfReply(refs: PeerRef[], max: number, note: (fields: Record<string, unknown>, msg: string) => void): Contact[] {
  if (refs.length > max) note({ returned: refs.length, kept: max }, "reply had too many contacts");
  const out: Contact[] = [];
  for (const ref of refs.slice(0, max)) {
    const contact = peerRefToContact(ref);
    if (contact) out.push(contact);
    else note({ id: ref.id, address: ref.grpcAddress }, "dropped malformed contact");
  }
  return out;
}

/** A call of a sampled trace carries it (W3C `traceparent`), so the remote's span is the child of ours. */
export function traceMetadata(opts: CallOptions): Metadata {
  const metadata = new Metadata();
  if (opts.trace?.parent.sampled) metadata.set("traceparent", formatTraceparent(opts.trace.parent));
  return metadata;
}
