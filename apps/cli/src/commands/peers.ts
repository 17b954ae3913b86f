/** `p2p peers`: the contacts in this peer's routing table. */
import type { RoutingTableResponse } from "@p2p/proto/node";
import { unaryCall } from "../clients.js";
import { ago, emit, type CommandContext } from "../context.js";
import { shortId } from "../lookup-trace.js";

export interface ContactRow {
  id: string;
  grpcAddress: string;
  httpAddress: string;
  bucket: number;
  lastSeenMs: number;
  failures: number;
}

/** Every contact of a routing table, most recently seen first. */
export function contactRows(table: RoutingTableResponse): ContactRow[] {
  return table.buckets
    .flatMap((b) =>
      b.contacts.map((c) => ({
        id: c.peer?.id ?? "",
        grpcAddress: c.peer?.grpcAddress ?? "",
        httpAddress: c.peer?.httpAddress ?? "",
        bucket: b.index,
        lastSeenMs: Number(c.lastSeenMs),
        failures: c.failures,
      })),
    )
    .sort((a, b) => b.lastSeenMs - a.lastSeenMs);
}

export async function peers(ctx: CommandContext): Promise<void> {
  const table = await ctx.client.routingTable({}, unaryCall(ctx.opts, ctx.signal));
  const rows = contactRows(table);
  const now = Date.now();
  emit(
    ctx,
    { selfId: table.selfId, bucketSize: table.bucketSize, contacts: rows },
    rows.length
      ? rows.map((r) => `${shortId(r.id)}\t${r.httpAddress || r.grpcAddress}\tseen ${ago(r.lastSeenMs, now)}${r.failures ? `\t${r.failures} failures` : ""}`)
      : ["(no contacts)"],
    false,
  );
}
