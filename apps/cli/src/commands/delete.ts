/** `p2p delete KEY`: writes a tombstone to the key's replicas. */
import { toJson } from "@bufbuild/protobuf";
import { DeleteResponseSchema } from "@p2p/proto/node";
import { unaryCall } from "../clients.js";
import { emit, versionText, type CommandContext } from "../context.js";
import { validateKey } from "../options.js";

export async function del(ctx: CommandContext, key: string): Promise<void> {
  validateKey(key);
  const r = await ctx.client.delete({ key }, unaryCall(ctx.opts, ctx.signal));
  emit(ctx, toJson(DeleteResponseSchema, r), `deleted ${JSON.stringify(key)} version ${versionText(r.version)} (acknowledged by ${r.acknowledgedBy.length} of ${r.replicas.length} replicas)`);
}
