/**
 * Test double for the snapshot's unit tests: a real Connect server on 127.0.0.1 (port 0)
 * implementing NodeService with canned answers. Not a peer: no DHT behind it.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { NodeService } from "@p2p/proto/node";

export interface FakeRecord {
  key: string;
  wallTimeMs?: number;
  tombstone?: boolean;
}

export interface FakePeerOptions {
  id: string;
  /** Contacts returned by RoutingTable, as (id, httpAddress) pairs; read on every call. */
  contacts?: () => { id: string; httpAddress: string }[];
  /** Records held; the array is read on every call, so a test can change it. */
  records?: FakeRecord[];
  /** Called with the method name on every call. */
  onCall?: (method: string) => void;
  /** Every call waits this long first (honouring cancellation): a slow peer. */
  delayMs?: number;
  replicationFactor?: number;
  /** Count reported for the "put" operation; read on every call. */
  puts?: () => number;
}

export interface FakePeer {
  id: string;
  httpAddress: string;
  close(): Promise<void>;
}

export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

/** Starts a fake peer; always close() it (t.after). */
export async function startFakePeer(o: FakePeerOptions): Promise<FakePeer> {
  let httpAddress = "";
  const wait = async (signal: AbortSignal) => { if (o.delayMs) await sleep(o.delayMs, signal); };
  const held = o.records ?? [];
  const sorted = () => [...held].sort((a, b) => (a.key < b.key ? -1 : 1));
  const handler = connectNodeAdapter({
    routes: (router) => router.service(NodeService, {
      async info(_req, ctx) {
        o.onCall?.("info");
        await wait(ctx.signal);
        const records = held;
        return { id: o.id, httpAddress, grpcAddress: "127.0.0.1:1", version: "fake", startedAtMs: 1n, uptimeMs: 1000n, contacts: o.contacts?.().length ?? 0, records: BigInt(records.length), replicationFactor: o.replicationFactor ?? 3, writeQuorum: 2, readQuorum: 2 };
      },
      async routingTable(_req, ctx) {
        await wait(ctx.signal);
        const contacts = (o.contacts?.() ?? []).map((c) => ({ peer: { id: c.id, grpcAddress: "127.0.0.1:1", httpAddress: c.httpAddress }, lastSeenMs: 1n, failures: 0 }));
        return { selfId: o.id, bucketSize: 20, buckets: contacts.length ? [{ index: 0, contacts, refreshedAtMs: 1n }] : [] };
      },
      async stats(_req, ctx) {
        await wait(ctx.signal);
        return { operations: [{ name: "put", count: BigInt(o.puts?.() ?? 0), errors: 0n, p50Ms: 1, p99Ms: 2 }], peerRpcs: [] };
      },
      async localRecords(req, ctx) {
        o.onCall?.("localRecords");
        await wait(ctx.signal);
        const records = sorted();
        const size = req.pageSize || 100;
        const start = req.pageToken ? Number(req.pageToken) : 0;
        const page = records.slice(start, start + size);
        return {
          records: page.map((r) => ({ key: r.key, position: sha256(r.key), version: { wallTimeMs: BigInt(r.wallTimeMs ?? 1), logical: 0, writer: o.id }, tombstone: r.tombstone ?? false, sizeBytes: 1 })),
          nextPageToken: start + size < records.length ? String(start + size) : "",
          total: BigInt(records.length),
        };
      },
    }),
  });
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  httpAddress = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    id: o.id,
    httpAddress,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A 127.0.0.1 address nobody listens on (bound, then closed): a dead peer. */
export async function closedAddress(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `127.0.0.1:${port}`;
}
