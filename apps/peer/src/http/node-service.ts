/**
 * p2p.v1.NodeService, the public API over Connect: curl-able with JSON, and the
 * side-effect-free methods also with GET (idempotency_level in node.proto).
 */
import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { NodeService } from "@p2p/proto/node";
import { PEER_METHOD_NAME_LIST } from "@p2p/dht";
import type { ApiContext } from "./api-context.js";
import { lookupTraceMsg, peerRef, replicaState, versionMsg, writeFields } from "./proto-mapping.js";
import { beginRequestTrace, traced, TRACEPARENT, type RequestTrace } from "../tracing/request-trace.js";

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
// ignoreBOM: a value that begins with U+FEFF is returned with it, as it was stored.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const toUtf8 = new TextEncoder();

/** Page tokens are the last key of the previous page, base64url so any key survives a URL. */
function decodePageToken(token: string): string | undefined {
  if (token === "") return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new ConnectError("page_token: not a token returned by LocalRecords", Code.InvalidArgument);
  return Buffer.from(token, "base64url").toString("utf8");
}

/** Handlers for a subset of NodeService's methods, contributed by a feature module (files, replication health). */
export type NodeServiceHandlers = Partial<ServiceImpl<typeof NodeService>>;

/**
 * Registers NodeService: the record and introspection methods here, plus the methods that
 * feature modules contribute through `extra` (each module owns its own handlers file).
 */
export function nodeServiceRoutes(ctx: ApiContext, extra: NodeServiceHandlers[] = []) {
  return (router: ConnectRouter) =>
    router.service(NodeService, Object.assign(coreHandlers(ctx), ...extra));
}

function coreHandlers(ctx: ApiContext): NodeServiceHandlers {
  return {
    // The client's signal reaches every peer call of the operation (a client that goes away stops it).
    async put(req, hc) {
      const trace = requestTrace(ctx, hc, req.trace, "NodeService/Put", req.key);
      const r = await traced(trace, () => ctx.node.put(req.key, toUtf8.encode(req.value), { signal: hc.signal, traceParent: trace.parent }));
      return { ...writeFields(r), traceId: req.trace ? trace.traceId : "" };
    },

    async get(req, hc) {
      const trace = requestTrace(ctx, hc, req.trace, "NodeService/Get", req.key);
      const r = await traced(trace, () => ctx.node.get(req.key, { trace: req.trace, allReplicas: req.trace, signal: hc.signal, traceParent: trace.parent }));
      return {
        traceId: req.trace ? trace.traceId : "",
        key: r.key,
        position: r.position,
        value: utf8.decode(r.record.value),
        version: versionMsg(r.record.version),
        replicas: r.replicas.map(replicaState),
        trace: req.trace && r.trace ? lookupTraceMsg(r.position, r.trace) : undefined,
      };
    },

    async delete(req, hc) {
      const trace = requestTrace(ctx, hc, req.trace, "NodeService/Delete", req.key);
      const r = await traced(trace, () => ctx.node.delete(req.key, { signal: hc.signal, traceParent: trace.parent }));
      return { ...writeFields(r), traceId: req.trace ? trace.traceId : "" };
    },

    info() {
      const s = ctx.node.coordinator.options;
      const now = Date.now();
      return {
        id: ctx.self.id,
        grpcAddress: ctx.self.address,
        httpAddress: ctx.self.httpAddress,
        version: ctx.softwareVersion,
        startedAtMs: BigInt(ctx.startedAtMs),
        uptimeMs: BigInt(now - ctx.startedAtMs),
        contacts: ctx.node.kademlia.routingTable.size,
        records: BigInt(ctx.node.store.count()),
        replicationFactor: s.replicationFactor,
        writeQuorum: s.writeQuorum,
        readQuorum: s.readQuorum,
        consistency: s.consistency,
        writePolicy: s.writePolicy,
        valueLimitBytes: BigInt(s.maxValueBytes),
        peerTransport: ctx.transportSecurity.mode,
        networkTag: ctx.transportSecurity.networkTag,
      };
    },

    routingTable() {
      const table = ctx.node.kademlia.routingTable;
      return {
        selfId: ctx.self.id,
        bucketSize: table.k,
        buckets: table
          .buckets()
          .filter((b) => b.contacts.length > 0)
          .map((b) => ({
            index: b.index,
            refreshedAtMs: BigInt(Math.round(b.refreshedAtMs)),
            contacts: b.contacts.map((e) => ({ peer: peerRef(e.contact), lastSeenMs: BigInt(Math.round(e.lastSeenMs)), failures: e.failures })),
          })),
      };
    },

    async localRecords(req) {
      if (req.pageSize > MAX_PAGE) throw new ConnectError(`page_size: at most ${MAX_PAGE}, got ${req.pageSize}`, Code.InvalidArgument);
      const limit = req.pageSize || DEFAULT_PAGE;
      const after = decodePageToken(req.pageToken);
      // One extra row tells whether another page exists without a second query.
      const rows = await ctx.node.store.list({ after, limit: limit + 1, prefix: req.prefix || undefined });
      const page = rows.slice(0, limit);
      return {
        records: page.map((r) => ({ key: r.key, position: r.position, version: versionMsg(r.version), tombstone: r.tombstone, sizeBytes: r.sizeBytes })),
        nextPageToken: rows.length > limit ? Buffer.from(page[page.length - 1]!.key, "utf8").toString("base64url") : "",
        total: BigInt(ctx.node.store.count()),
      };
    },

    stats() {
      const { operations: ops, peerRpcs: { server, client } } = ctx.node.stats();
      return {
        operations: (["put", "get", "delete", "put_many", "get_many", "delete_many"] as const).map((name) => ({ name, ...statsFields(ops[name]) })),
        // Every PeerService method, the chunk streams included.
        peerRpcs: PEER_METHOD_NAME_LIST.flatMap((m) => [
          { name: `${m}/server`, ...statsFields(server[m]) },
          { name: `${m}/client`, ...statsFields(client[m]) },
        ]),
      };
    },
  };
}

/** The request's trace (see request-trace.ts); its IDs go back in the response headers, error or not. */
function requestTrace(ctx: ApiContext, hc: { requestHeader: Headers; responseHeader: Headers }, asked: boolean, name: string, key: string): RequestTrace {
  const trace = beginRequestTrace(ctx.tracing.tracer, hc.requestHeader.get(TRACEPARENT), asked, name, { key });
  for (const [k, v] of Object.entries(trace.headers)) hc.responseHeader.set(k, v);
  return trace;
}

function statsFields(s: { count: number; errors: number; p50Ms: number; p99Ms: number }) {
  return { count: BigInt(s.count), errors: BigInt(s.errors), p50Ms: s.p50Ms, p99Ms: s.p99Ms };
}

