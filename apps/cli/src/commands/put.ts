/** `p2p put KEY VALUE|-`: stores a value on the key's replicas. */
import { toJson } from "@bufbuild/protobuf";
import { PutResponseSchema } from "@p2p/proto/node";
import { unaryCall } from "../clients.js";
import { emit, versionText, type CommandContext } from "../context.js";
import { validateKey } from "../options.js";
import { readStdin } from "../stdin.js";

/** Largest value read from stdin; the peer's own limit (1 MiB by default) applies after. */
const MAX_STDIN_BYTES = 64 * 1024 * 1024;

export async function put(ctx: CommandContext, key: string, value: string): Promise<void> {
  validateKey(key);
  const text = value === "-" ? await readStdin(MAX_STDIN_BYTES) : value;
  const r = await ctx.client.put({ key, value: text }, unaryCall(ctx.opts, ctx.signal));
  emit(ctx, toJson(PutResponseSchema, r), `stored ${JSON.stringify(key)} version ${versionText(r.version)} (acknowledged by ${r.acknowledgedBy.length} of ${r.replicas.length} replicas)`);
}
