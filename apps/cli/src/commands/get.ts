/** `p2p get KEY [--trace]`: prints the newest value, and optionally the lookup as a tree. */
import { toJson } from "@bufbuild/protobuf";
import { GetResponseSchema, type GetResponse } from "@p2p/proto/node";
import { unaryCall } from "../clients.js";
import { emit, type CommandContext } from "../context.js";
import { lookupTree, type LookupTraceData } from "../lookup-trace.js";
import { validateKey } from "../options.js";
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
  if (flags.trace) lines.push(r.trace ? renderTraceTree(lookupTree(traceData(r.trace))) : "(the peer returned no trace)");
  emit(ctx, toJson(GetResponseSchema, r), lines, false);
}
