/** `p2p ls [--prefix P] [--limit N]`: the records this peer holds, paging through LocalRecords. */
import { toJson } from "@bufbuild/protobuf";
import { LocalRecordSchema, type LocalRecord } from "@p2p/proto/node";
import { unaryCall } from "../clients.js";
import { emit, versionText, type CommandContext } from "../context.js";
import { parsePositiveInt } from "../options.js";

/** The peer's largest page. */
const PAGE_SIZE = 1000;

export async function ls(ctx: CommandContext, flags: { prefix?: string; limit?: string }): Promise<void> {
  const limit = flags.limit === undefined ? Infinity : parsePositiveInt(flags.limit, "--limit");
  const prefix = flags.prefix ?? "";
  const records: LocalRecord[] = [];
  let total = 0n;
  let pageToken = "";
  do {
    const pageSize = Math.min(PAGE_SIZE, limit - records.length);
    const page = await ctx.client.localRecords({ pageSize, pageToken, prefix }, unaryCall(ctx.opts, ctx.signal));
    records.push(...page.records.slice(0, limit - records.length));
    total = page.total;
    // A token that does not move would loop forever; a well-behaved peer never sends one.
    if (page.nextPageToken === pageToken) break;
    pageToken = page.nextPageToken;
  } while (pageToken && records.length < limit);
  const truncated = pageToken !== "" && records.length >= limit;
  emit(
    ctx,
    { records: records.map((r) => toJson(LocalRecordSchema, r)), count: records.length, truncated, totalHeld: Number(total) },
    records.map((r) => `${r.key}\t${r.tombstone ? "deleted" : `${r.sizeBytes} B`}\t${versionText(r.version)}`),
    false,
  );
}
