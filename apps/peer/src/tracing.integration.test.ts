/**
 * Tracing across real peers: a traced put and get through one peer of four; GetTrace on that
 * peer returns its spans and its replicas' (fetched from them), all of one trace ID with
 * parent links across peers; an incoming traceparent's trace ID is kept, a malformed one
 * replaced; and every peer exports its spans over OTLP/HTTP (JSON) to a local receiver, where
 * the replicas' server spans are children of the coordinator's client spans.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { compareDistance, sha256Hex } from "@p2p/dht";
import { adminClient, nodeClient, startNetwork, waitFor, type Network, type NodeClient } from "@p2p/launcher";
import { NodeService, type TraceSpan } from "@p2p/proto/node";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: { stringValue?: string } }[];
}

/** A minimal OTLP/HTTP receiver: records the spans of every POST /v1/traces (the JSON exporter sends JSON). */
function startReceiver(): Promise<{ server: Server; url: string; spans: OtlpSpan[] }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/v1/traces") {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
        for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans })));
}

/** The peer that recorded an OTLP span. */
const peerOf = (s: OtlpSpan) => s.attributes?.find((a) => a.key === "p2p.peer.id")?.value.stringValue;

describe("tracing across real peers", () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let net: Network;
  let client: NodeClient;
  let coordinatorId: string;

  before(async () => {
    receiver = await startReceiver();
    net = await startNetwork(4, { peer: { args: ["--otlp-endpoint", receiver.url, "--fault-injection"] } });
    client = nodeClient(net.peers[1]!.httpAddress!);
    coordinatorId = (await client.info({})).id;
    // Every peer knows every other: the replicas are the three closest of all four.
    await waitFor(async () => (await client.routingTable({})).buckets.reduce((n, b) => n + b.contacts.length, 0) >= 3, { timeoutMs: 10_000, what: "full routing table" });
  });
  after(async () => {
    await net?.stop();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  /** Checks one trace as GetTrace returns it; answers its spans. */
  async function checkTrace(traceId: string, rootName: string, replicaSpan: RegExp): Promise<TraceSpan[]> {
    const res = await client.getTrace({ traceId });
    assert.equal(res.traceId, traceId);
    assert.deepEqual(res.unreachablePeers, []);
    const spans = res.spans;
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const root = spans.find((s) => s.name === rootName);
    assert.ok(root, `${rootName} span among ${spans.map((s) => s.name).join(", ")}`);
    assert.equal(root.peerId, coordinatorId);
    assert.equal(root.parentId, "");
    // Every parent link resolves within the trace.
    for (const s of spans) if (s.parentId) assert.ok(byId.has(s.parentId), `parent of ${s.name} (${s.peerId.slice(0, 8)})`);
    const calls = spans.filter((s) => s.kind === "client" && replicaSpan.test(s.name));
    assert.ok(calls.length >= 2, `replica calls: ${calls.length}`);
    // The replicas' own server spans: children of the coordinator's calls, recorded on ≥ 2 other peers.
    const served = spans.filter((s) => s.kind === "server" && s.peerId !== coordinatorId && byId.get(s.parentId)?.peerId === coordinatorId);
    const servingPeers = new Set(served.map((s) => s.peerId));
    assert.ok(servingPeers.size >= 2, `peers with server spans: ${servingPeers.size}`);
    for (const s of served) assert.equal(byId.get(s.parentId)!.attributes["peer.id"], s.peerId, "a server span's parent is the call to that peer");
    assert.ok(spans.every((s) => s.startOffsetMs >= 0 && s.durationMs >= 0));
    return spans;
  }

  test("a traced put: GetTrace shows the put, its replica stores on other peers, and the quorum", async () => {
    const res = await client.put({ key: "traced/put", value: "v", trace: true });
    assert.match(res.traceId, /^[0-9a-f]{32}$/);
    const spans = await checkTrace(res.traceId, "NodeService/Put", /^(replica|stand-in) store$/);
    assert.ok(spans.some((s) => s.name === "write quorum"));
  });

  test("a put answers at its write quorum; GetTrace still shows the slower replica's store, once it is done", async () => {
    // The coordinator's call to one other replica of the key takes 800 ms more, so the put
    // answers (W = 2: itself and the fast one) while that store is still under way.
    const key = "traced/slow-replica";
    const replicas = net.peers.map((p) => p.id!).sort((a, b) => compareDistance(sha256Hex(key), a, b)).slice(0, 3);
    const slow = replicas.find((id) => id !== coordinatorId)!;
    const admin = adminClient(net.peers[1]!.httpAddress!);
    await admin.setFaults({ rules: { delays: [{ peerId: slow, delayMs: 800 }] } });
    try {
      const res = await client.put({ key, value: "v", trace: true });
      const spans = await checkTrace(res.traceId, "NodeService/Put", /^(replica|stand-in) store$/);
      const served = spans.filter((s) => s.name === "serve Store").map((s) => s.peerId);
      assert.ok(served.includes(slow), `serve Store on ${served.map((id) => id.slice(0, 8)).join(", ")}; the slow replica ${slow.slice(0, 8)} missing`);
    } finally {
      await admin.setFaults({ rules: {} });
    }
  });

  test("a traced get: the lookup, replica reads and their server spans", async () => {
    await client.put({ key: "traced/get", value: "v" });
    const res = await client.get({ key: "traced/get", trace: true });
    assert.equal(res.value, "v");
    assert.match(res.traceId, /^[0-9a-f]{32}$/);
    const spans = await checkTrace(res.traceId, "NodeService/Get", /^(replica read|FindValue)$/);
    assert.ok(spans.some((s) => s.name === "lookup FindValue"));
    assert.ok(spans.some((s) => s.name === "read quorum"));
  });

  test("an incoming traceparent's trace ID is kept; a malformed one is replaced; untraced gets still get an ID", async () => {
    const http = net.peers[1]!.httpAddress!;
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const parent = "00f067aa0ba902b7";
    const kept = await fetch(`http://${http}/p2p.v1.NodeService/Get`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: `00-${traceId}-${parent}-01` },
      body: JSON.stringify({ key: "traced/get" }),
    });
    assert.equal(kept.status, 200);
    assert.equal(kept.headers.get("x-trace-id"), traceId);
    assert.match(kept.headers.get("traceparent") ?? "", new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    // Sampled by the caller: recorded, with the caller's span as the request span's parent.
    const trace = await client.getTrace({ traceId });
    const root = trace.spans.find((s) => s.name === "NodeService/Get");
    assert.ok(root);
    assert.equal(root.parentId, parent);

    const bad = await fetch(`http://${http}/get_data/traced%2Fget`, { headers: { traceparent: `00-${traceId.toUpperCase()}-${parent}-01` } });
    assert.equal(bad.status, 200);
    const fresh = bad.headers.get("x-trace-id");
    assert.match(fresh ?? "", /^[0-9a-f]{32}$/);
    assert.notEqual(fresh, traceId);
    assert.match(bad.headers.get("traceparent") ?? "", /-00$/, "not sampled: not recorded");
    assert.deepEqual((await client.getTrace({ traceId: fresh! })).spans, []);

    // Connect's own client reads the headers too.
    let header: string | null = null;
    const headerClient = createClient(NodeService, createConnectTransport({ baseUrl: `http://${http}`, httpVersion: "1.1" }));
    await headerClient.get({ key: "traced/get" }, { onHeader: (h) => (header = h.get("x-trace-id")) });
    assert.match(header ?? "", /^[0-9a-f]{32}$/);
  });

  test("OTLP: spans from ≥ 2 peers share the trace ID, and server spans' parents are other peers' client spans", async () => {
    const res = await client.get({ key: "traced/get", trace: true });
    const traceId = Buffer.from(res.traceId, "hex");
    // The JSON exporter sends IDs as hex (OTLP/JSON); accept base64 too.
    const norm = (id: string) => (/^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, "base64").toString("hex"));
    const ofTrace = () => receiver.spans.filter((s) => norm(s.traceId) === traceId.toString("hex"));
    await waitFor(() => new Set(ofTrace().map(peerOf)).size >= 3, { timeoutMs: 15_000, what: "spans exported by 3 peers" });
    const spans = ofTrace();
    const byId = new Map(spans.map((s) => [norm(s.spanId), s]));
    const crossLinks = spans.filter((s) => s.parentSpanId && byId.has(norm(s.parentSpanId)) && peerOf(byId.get(norm(s.parentSpanId))!) !== peerOf(s));
    assert.ok(crossLinks.length >= 2, `cross-peer parent links: ${crossLinks.length}`);
    assert.ok(new Set(crossLinks.map(peerOf)).size >= 2, "children on ≥ 2 peers");
    assert.ok(crossLinks.every((s) => peerOf(byId.get(norm(s.parentSpanId!))!) === coordinatorId));
  });

  test("a traced upload and download record each chunk transfer", async () => {
    const http = net.peers[1]!.httpAddress!;
    const bytes = Buffer.alloc(300_000, 7);
    const up = await fetch(`http://${http}/files/traced.bin?trace=1`, { method: "PUT", body: bytes });
    assert.equal(up.status, 201);
    const upTrace = up.headers.get("x-trace-id")!;
    const { id } = (await up.json()) as { id: string };
    const stores = (await client.getTrace({ traceId: upTrace, localOnly: true })).spans.filter((s) => s.name === "StoreChunk");
    assert.ok(stores.length >= 2, `chunk stores: ${stores.length}`);
    const down = await fetch(`http://${http}/files/${id}?trace=1`);
    assert.equal(Buffer.from(await down.arrayBuffer()).length, bytes.length);
    const spans = (await client.getTrace({ traceId: down.headers.get("x-trace-id")!, localOnly: true })).spans;
    assert.ok(spans.some((s) => s.name === "GET /files/<id>"));
  });

  test("GetTrace refuses a malformed trace ID", async () => {
    await assert.rejects(client.getTrace({ traceId: "nope" }), /trace_id/);
  });
});
