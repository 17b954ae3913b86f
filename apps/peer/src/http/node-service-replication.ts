/**
 * Methods about durability: NodeService's ReplicaStatus (who holds a key, at which version) and
 * ReplicationHealth (this peer's records by role, under-replication, repair counters), and
 * AdminService's Repair (an anti-entropy round now) and Leave (hand everything off and say
 * goodbye), which change the peer's state and so sit behind the admin guard.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { DhtError, withDeadline } from "@p2p/dht";
import type { ApiContext } from "./api-context.js";
import type { AdminServiceHandlers } from "./admin-service.js";
import type { NodeServiceHandlers } from "./node-service.js";
import { peerRef, versionMsg } from "./proto-mapping.js";

/** ReplicaStatus runs under the client-operation deadline and ends with the client's request. */
export function replicationHandlers(ctx: ApiContext): NodeServiceHandlers {
  return {
    async replicaStatus(req, hc) {
      if (req.key === "") throw new ConnectError("key: is required", Code.InvalidArgument);
      const node = ctx.node;
      const s = await withDeadline((signal) => node.replicaStatus(req.key, { signal }), requestDeadline(ctx, "replica status", hc.signal));
      return {
        key: s.key,
        position: s.position,
        replicationFactor: s.replicationFactor,
        currentCopies: s.currentCopies,
        newest: s.newest ? versionMsg(s.newest) : undefined,
        holders: s.holders.map((h) => ({
          peer: peerRef(h.peer),
          responsible: h.responsible,
          answered: h.answered,
          holds: h.holds,
          version: h.version ? versionMsg(h.version) : undefined,
          tombstone: h.tombstone,
        })),
      };
    },

    replicationHealth() {
      return healthFields(ctx);
    },
  };
}

/** AdminService's Repair and Leave. */
export function replicationAdminHandlers(ctx: ApiContext): AdminServiceHandlers {
  return {
    async repair(_req, hc) {
      // A round is not cut when the client goes: it finishes in the background.
      const node = ctx.node;
      await withDeadline(() => node.antiEntropy.runRound(), requestDeadline(ctx, "repair", hc.signal));
      return { health: healthFields(ctx) };
    },

    async leave() {
      const r = await ctx.node.leave();
      ctx.onLeft?.();
      return { recordsHandedOff: BigInt(r.handedOff), recordsFailed: BigInt(r.failed), neighboursTold: r.neighboursTold };
    },
  };
}

/** The client-operation deadline (requestTimeoutMs), as every client operation has. */
function requestDeadline(ctx: ApiContext, what: string, signal: AbortSignal) {
  const timeoutMs = ctx.node.coordinator.options.requestTimeoutMs;
  return { timeoutMs, signal, what, timeoutError: () => DhtError.deadlineExceeded(`${what}: no answer within the request deadline of ${timeoutMs} ms`) };
}

/** This peer's replication health as the ReplicationHealth message fields. */
function healthFields(ctx: ApiContext) {
  const h = ctx.node.replicationHealth();
  return {
    recordsPrimary: BigInt(h.recordsPrimary),
    recordsReplica: BigInt(h.recordsReplica),
    recordsHandoff: BigInt(h.recordsHandoff),
    underReplicated: BigInt(h.underReplicated),
    lastRepairAtMs: BigInt(h.lastRepairAtMs),
    repairRounds: BigInt(h.repairRounds),
    recordsPushed: BigInt(h.recordsPushed),
    recordsPulled: BigInt(h.recordsPulled),
    recordsDropped: BigInt(h.recordsDropped),
    tombstonesCollected: BigInt(h.tombstonesCollected),
    bytesSent: BigInt(Math.round(h.bytesSent)),
    bytesReceived: BigInt(Math.round(h.bytesReceived)),
    neighbours: h.neighbours,
    repairIntervalMs: BigInt(h.repairIntervalMs),
  };
}
