/** Conversions from the DHT core's types to the public API's generated messages. */
import { create } from "@bufbuild/protobuf";
import type { Contact, LookupTrace, ReplicaReport, Version, WriteResult } from "@p2p/dht";
import { LookupStepSchema, LookupTraceSchema, PeerRefSchema, VersionSchema, type LookupTrace as LookupTraceMsg, type PeerRef, type Version as VersionMsg } from "@p2p/proto/types";
import { ReplicaStateSchema, type ReplicaState } from "@p2p/proto/node";

export function peerRef(c: Contact): PeerRef {
  return create(PeerRefSchema, { id: c.id, grpcAddress: c.address, httpAddress: c.httpAddress });
}

export function versionMsg(v: Version): VersionMsg {
  return create(VersionSchema, { wallTimeMs: BigInt(v.wallMs), logical: v.logical, writer: v.writer });
}

export function replicaState(r: ReplicaReport): ReplicaState {
  return create(ReplicaStateSchema, {
    peer: peerRef(r.peer),
    answered: r.answered,
    version: r.version ? versionMsg(r.version) : undefined,
    tombstone: r.tombstone,
    repaired: r.repaired,
  });
}

export function lookupTraceMsg(target: string, t: LookupTrace): LookupTraceMsg {
  return create(LookupTraceSchema, {
    target,
    totalMs: t.totalMs,
    hops: t.hops,
    steps: t.steps.map((s) =>
      create(LookupStepSchema, {
        peer: peerRef(s.peer),
        sentAtMs: s.sentAtMs,
        durationMs: s.durationMs,
        ok: s.ok,
        error: s.error ?? "",
        closerContacts: s.closerContacts,
        hadRecord: s.hadRecord,
      }),
    ),
  });
}

/** The fields Put and Delete answer with. */
export function writeFields(w: WriteResult) {
  return {
    key: w.key,
    position: w.position,
    version: versionMsg(w.version),
    replicas: w.replicas.map(peerRef),
    acknowledgedBy: w.acknowledgedBy,
  };
}
