/** `p2p get KEY [--trace]`: prints the newest value, and optionally the request's spans (lookup, replica calls, repair) as a tree. */
import { toJson } from "@bufbuild/protobuf";
import { GetResponseSchema, GetTraceResponseSchema, type GetResponse, type GetTraceResponse } from "@p2p/proto/node";
import { unaryCall } from "../clients.js";
import { emit, type CommandContext } from "../context.js";
import { lookupTree, type LookupTraceData } from "../lookup-trace.js";
import { validateKey } from "../options.js";
import { spanTree } from "../span-tree.js";
import { renderTraceTree } from "../trace-tree.js";

/** GetResponse.trace as the plain data lookup-trace.ts takes. */
export function traceData(trace: NonNullable<GetResponse["trace"]>): LookupTraceData {
  return {
    target: trace.target,
    totalMs: trace.totalMs,
    hops: trace.hops,
    steps: trace.steps.map((s) => ({
      peerId: s.peer?.id ?? "",
      address: s.peer?.grpcAddress ?? "",
      sentAtMs: s.sentAtMs,
      durationMs: s.durationMs,
      ok: s.ok,
      error: s.error,
      closerContacts: s.closerContacts,
      hadRecord: s.hadRecord,
    })),
  };
}

export async function get(ctx: CommandContext, key: string, flags: { trace?: boolean }): Promise<void> {
  validateKey(key);
  const r = await ctx.client.get({ key, trace: flags.trace === true }, unaryCall(ctx.opts, ctx.signal));
  const lines = [r.value];
  let spans: GetTraceResponse | undefined;
  if (flags.trace) {
    spans = await fetchTrace(ctx, r.traceId);
    lines.push(spans?.spans.length ? renderTraceTree(spanTree(spans)) : r.trace ? renderTraceTree(lookupTree(traceData(r.trace))) : "(the peer returned no trace)");
  }
  const json = toJson(GetResponseSchema, r) as Record<string, unknown>;
  if (spans) json.spans = toJson(GetTraceResponseSchema, spans);
  emit(ctx, json, lines, false);
}

/** The spans of a traced operation (this peer's and the peers it called), or undefined when the peer has none. */
export async function fetchTrace(ctx: CommandContext, traceId: string): Promise<GetTraceResponse | undefined> {
  if (!traceId) return undefined;
  return ctx.client.getTrace({ traceId }, unaryCall(ctx.opts, ctx.signal));
}
