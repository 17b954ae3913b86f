/** `p2p put KEY VALUE|- [--trace]`: stores a value on the key's replicas; --trace prints how the acknowledgements arrived. */
import { toJson } from "@bufbuild/protobuf";
import { GetTraceResponseSchema, PutResponseSchema } from "@p2p/proto/node";
import { unaryCall } from "../clients.js";
import { emit, versionText, type CommandContext } from "../context.js";
import { validateKey } from "../options.js";
import { spanTree } from "../span-tree.js";
import { readStdin } from "../stdin.js";
import { renderTraceTree } from "../trace-tree.js";
import { fetchTrace } from "./get.js";

/** Largest value read from stdin; the peer's own limit (1 MiB by default) applies after. */
const MAX_STDIN_BYTES = 64 * 1024 * 1024;

export async function put(ctx: CommandContext, key: string, value: string, flags: { trace?: boolean } = {}): Promise<void> {
  validateKey(key);
  const text = value === "-" ? await readStdin(MAX_STDIN_BYTES) : value;
  const r = await ctx.client.put({ key, value: text, trace: flags.trace === true }, unaryCall(ctx.opts, ctx.signal));
  const lines = [`stored ${JSON.stringify(key)} version ${versionText(r.version)} (acknowledged by ${r.acknowledgedBy.length} of ${r.replicas.length} replicas)`];
  const json = toJson(PutResponseSchema, r) as Record<string, unknown>;
  if (flags.trace) {
    const spans = await fetchTrace(ctx, r.traceId);
    lines.push(spans?.spans.length ? renderTraceTree(spanTree(spans)) : "(the peer returned no trace)");
    if (spans) json.spans = toJson(GetTraceResponseSchema, spans);
  }
  emit(ctx, json, lines);
}
