/**
 * Bad input of every kind against a real peer process: keys and values out of bounds,
 * malformed JSON, wrong types, unknown methods and routes on the Connect API and the REST
 * routes; forged and malformed peer messages on the gRPC port; invalid flags and config files
 * at start. Each gets a clear error naming the field or limit, and the peer keeps serving
 * without a half-written record.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { Client, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { peerClientCredentials } from "./index.js";
import { nodeClient, startNetwork, startPeer, PeerStartError, type Network, type NodeClient, type PeerProcess } from "@p2p/launcher";
import { PeerService, PingRequestSchema, StoreRequestSchema } from "@p2p/proto/peer";
import { PeerIdentity } from "./identity/peer-identity.js";
import { signContact } from "./identity/signed-contact.js";
import { grpcServiceDefinition } from "./grpc/service-definition.js";

/** Small, so the over-limit cases stay cheap. */
const VALUE_LIMIT = 1024;

interface JsonReply {
  status: number;
  contentType: string;
  body: Record<string, unknown>;
}

async function http(peer: PeerProcess, method: string, path: string, body?: string, contentType = "application/json"): Promise<JsonReply> {
  const res = await fetch(`http://${peer.httpAddress}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": contentType },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    assert.fail(`${method} ${path}: expected a JSON body, got ${res.status} ${JSON.stringify(text.slice(0, 200))}`);
  }
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", body: parsed };
}

/** Asserts a Connect JSON error: HTTP status, code, and a message matching `message`. */
function assertConnectJsonError(r: JsonReply, httpStatus: number, code: string, message: RegExp): void {
  assert.equal(r.status, httpStatus, JSON.stringify(r.body));
  assert.equal(r.body["code"], code, JSON.stringify(r.body));
  assert.match(String(r.body["message"]), message);
}

/** Asserts a REST JSON error: `{"error": ..., "code": ...}` with the status. */
function assertRestError(r: JsonReply, httpStatus: number, code: string, message: RegExp): void {
  assert.equal(r.status, httpStatus, JSON.stringify(r.body));
  assert.match(r.contentType, /application\/json/);
  assert.equal(r.body["code"], code, JSON.stringify(r.body));
  assert.match(String(r.body["error"]), message);
}

async function assertCode(p: Promise<unknown>, code: Code, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    const e = ConnectError.from(err);
    assert.equal(e.code, code, `${Code[e.code]}: ${e.rawMessage}`);
    assert.match(e.rawMessage, message);
    return true;
  });
}

describe("bad input to a running peer", () => {
  let net: Network;
  let peer: PeerProcess;
  let client: NodeClient;

  before(async () => {
    // Two peers, so that the first has a contact whose table must not change.
    net = await startNetwork(2, { peer: { args: ["--max-value-bytes", String(VALUE_LIMIT), "--replication-factor", "2", "--write-quorum", "1", "--read-quorum", "1", "--consistency", "weak"] } });
    peer = net.peers[0]!;
    client = nodeClient(peer.httpAddress!);
  });
  after(() => net?.stop());

  test("keys: empty and over 1024 bytes are INVALID_ARGUMENT naming key; 1024 bytes is fine", async () => {
    await assertCode(client.put({ key: "", value: "v" }), Code.InvalidArgument, /^key: .*1 to 1024 bytes.*got 0/);
    await assertCode(client.put({ key: "k".repeat(1025), value: "v" }), Code.InvalidArgument, /^key: .*got 1025/);
    // 513 two-byte characters: 513 code units but 1026 bytes of UTF-8.
    await assertCode(client.put({ key: "é".repeat(513), value: "v" }), Code.InvalidArgument, /^key: .*got 1026/);
    await assertCode(client.get({ key: "" }), Code.InvalidArgument, /^key:/);
    await assertCode(client.delete({ key: "k".repeat(1025) }), Code.InvalidArgument, /^key:/);
    await client.put({ key: "é".repeat(512), value: "max key" });
    assert.equal((await client.get({ key: "é".repeat(512) })).value, "max key");
    // Over the raw protocol: Connect's JSON error body with HTTP 400.
    assertConnectJsonError(await http(peer, "POST", "/p2p.v1.NodeService/Put", JSON.stringify({ key: "", value: "v" })), 400, "invalid_argument", /^key:/);
  });

  test("values over the limit are RESOURCE_EXHAUSTED / HTTP 413 naming the limit", async () => {
    await client.put({ key: "at-limit", value: "v".repeat(VALUE_LIMIT) });
    await assertCode(client.put({ key: "over-limit", value: "v".repeat(VALUE_LIMIT + 1) }), Code.ResourceExhausted, new RegExp(`^value: ${VALUE_LIMIT + 1} bytes exceeds the limit of ${VALUE_LIMIT} bytes`));
    // Multi-byte characters count in bytes.
    await assertCode(client.put({ key: "over-limit", value: "é".repeat(VALUE_LIMIT / 2 + 1) }), Code.ResourceExhausted, /limit of 1024 bytes/);
    const rest = await http(peer, "POST", "/store_data", JSON.stringify({ key: "over-limit", value: "v".repeat(VALUE_LIMIT + 1) }));
    assertRestError(rest, 413, "resource_exhausted", /limit of 1024 bytes/);
    // A body far beyond any value is refused from its Content-Length, on both surfaces.
    const huge = JSON.stringify({ key: "huge", value: "v".repeat(8 * 1024 * 1024) });
    assertRestError(await http(peer, "POST", "/store_data", huge), 413, "resource_exhausted", /limit of \d+ bytes/);
    const connectHuge = await http(peer, "POST", "/p2p.v1.NodeService/Put", huge);
    assert.equal(connectHuge.body["code"], "resource_exhausted", JSON.stringify(connectHuge.body));
    await assertCode(client.get({ key: "over-limit" }), Code.NotFound, /./);
    await assertCode(client.get({ key: "huge" }), Code.NotFound, /./);
  });

  test("malformed JSON and wrong types are INVALID_ARGUMENT / HTTP 400 naming the field", async () => {
    const put = "/p2p.v1.NodeService/Put";
    assertConnectJsonError(await http(peer, "POST", put, "{not json"), 400, "invalid_argument", /./);
    assertConnectJsonError(await http(peer, "POST", put, JSON.stringify({ key: 5, value: "v" })), 400, "invalid_argument", /key/);
    assertConnectJsonError(await http(peer, "POST", put, JSON.stringify({ key: "k", value: ["v"] })), 400, "invalid_argument", /value/);
    assertConnectJsonError(await http(peer, "POST", put, JSON.stringify({ key: "k", value: "v", color: "red" })), 400, "invalid_argument", /color/);
    assertConnectJsonError(await http(peer, "POST", "/p2p.v1.NodeService/LocalRecords", JSON.stringify({ pageSize: 5000 })), 400, "invalid_argument", /^page_size:/);
    assertConnectJsonError(await http(peer, "POST", "/p2p.v1.NodeService/LocalRecords", JSON.stringify({ pageToken: "not a token!" })), 400, "invalid_argument", /^page_token:/);

    assertRestError(await http(peer, "POST", "/store_data", "{not json"), 400, "invalid_argument", /^body: malformed JSON/);
    // An array is a batch (PutMany): each item must be an object, named by its index.
    assertRestError(await http(peer, "POST", "/store_data", "[1,2]"), 400, "invalid_argument", /^body\[0\]: expected an object with key and value/);
    assertRestError(await http(peer, "POST", "/store_data", "true"), 400, "invalid_argument", /^body:/);
    assertRestError(await http(peer, "POST", "/store_data", JSON.stringify({ key: 5, value: "v" })), 400, "invalid_argument", /^key: expected a string, got number/);
    assertRestError(await http(peer, "POST", "/store_data", JSON.stringify({ key: "k" })), 400, "invalid_argument", /^value: expected a string, got nothing/);
    assertRestError(await http(peer, "POST", "/store_data", JSON.stringify({ key: "", value: "v" })), 400, "invalid_argument", /^key:/);
    assertRestError(await http(peer, "POST", "/store_data", JSON.stringify({ key: "k".repeat(1025), value: "v" })), 400, "invalid_argument", /^key: .*1025/);
    assertRestError(await http(peer, "GET", "/get_data/"), 400, "invalid_argument", /^key:/);
    assertRestError(await http(peer, "GET", `/get_data/${"k".repeat(1025)}`), 400, "invalid_argument", /^key:/);
    assertRestError(await http(peer, "GET", "/get_data/%E0%A4%A"), 400, "invalid_argument", /^key: malformed percent-encoding/);
  });

  test("unknown methods and routes: Connect 404 / unimplemented, REST 405 for a wrong HTTP method", async () => {
    const unknown = await http(peer, "POST", "/p2p.v1.NodeService/Nope", "{}");
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
    const unknownService = await http(peer, "POST", "/p2p.v1.NoSuchService/Put", "{}");
    assert.equal(unknownService.status, 404, JSON.stringify(unknownService.body));
    // Put has side effects, so Connect refuses it over GET.
    const getPut = await fetch(`http://${peer.httpAddress}/p2p.v1.NodeService/Put?encoding=json&message=${encodeURIComponent('{"key":"a","value":"b"}')}`);
    assert.ok(getPut.status === 405 || getPut.status === 404, `GET Put answered ${getPut.status}`);
    await assertCode(client.get({ key: "a" }), Code.NotFound, /./);

    const wrongStore = await http(peer, "GET", "/store_data");
    assertRestError(wrongStore, 405, "invalid_argument", /use POST/);
    assertRestError(await http(peer, "PUT", "/get_data/a", "{}"), 405, "invalid_argument", /use GET/);
    assertRestError(await http(peer, "GET", "/no/such/route"), 404, "not_found", /no route/);
  });

  test("forged and malformed peer messages are rejected and stay out of the routing table", async () => {
    const peerService = grpcServiceDefinition(PeerService);
    const mallory = PeerIdentity.generate();
    const victim = PeerIdentity.generate();
    // Mallory connects as herself (TLS proves her ID): what she signs is all she can lie about.
    const call = <Req>(method: { path: string; requestSerialize: (r: Req) => Buffer }, req: Req | Buffer) =>
      new Promise<void>((resolve, reject) => {
        const grpc = new Client(peer.grpcAddress!, peerClientCredentials({ identity: mallory }));
        // Raw bytes go out as they are: what a broken or hostile peer could send.
        const serialize = (r: unknown): Buffer => (Buffer.isBuffer(r) ? r : method.requestSerialize(r as Req));
        grpc.makeUnaryRequest<unknown, Buffer>(method.path, serialize, (b: Buffer) => b, req, new Metadata(), { deadline: Date.now() + 5000 }, (err) => {
          grpc.close();
          if (err) reject(err);
          else resolve();
        });
      });
    const rejectsWith = (p: Promise<void>, code: status, details: RegExp) =>
      assert.rejects(p, (err: ServiceError) => {
        assert.equal(err.code, code, `${status[err.code]}: ${err.details}`);
        assert.match(err.details, details);
        return true;
      });
    const tableIds = async () => (await client.routingTable({})).buckets.flatMap((b) => b.contacts.map((c) => c.peer!.id)).sort();
    const before = await tableIds();

    const signed = signContact(mallory, { id: mallory.id, address: "127.0.0.1:9", httpAddress: "" }, Date.now());
    // An ID that is not the hash of the key it comes with.
    await rejectsWith(call(peerService.ping, create(PingRequestSchema, { sender: { ...signed, id: victim.id } })), status.UNAUTHENTICATED, /sender\.id/);
    // Bytes that are not a protobuf message: grpc-js itself answers INTERNAL when the
    // request deserializer throws, before any of our code runs.
    await rejectsWith(call(peerService.ping, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])), status.INTERNAL, /deserializ/i);
    // A well-signed sender with a malformed record.
    await rejectsWith(call(peerService.store, create(StoreRequestSchema, { sender: signed })), status.INVALID_ARGUMENT, /record/);
    // Larger than the peer's message limit (value limit + 64 KiB).
    await rejectsWith(call(peerService.ping, Buffer.alloc(VALUE_LIMIT + 200 * 1024)), status.RESOURCE_EXHAUSTED, /./);

    assert.deepEqual(await tableIds(), before, "a rejected sender entered the routing table");
    assert.ok(!(await tableIds()).includes(mallory.id));
  });

  test("after all of that the peer still answers and holds only the good records", async () => {
    const info = await client.info({});
    assert.equal(info.id, peer.id);
    assert.equal(info.valueLimitBytes, BigInt(VALUE_LIMIT));
    const keys = new Set<string>();
    for (const p of net.peers) for (const r of (await nodeClient(p.httpAddress!).localRecords({ pageSize: 1000 })).records) keys.add(r.key);
    assert.deepEqual([...keys].sort(), ["at-limit", "é".repeat(512)].sort());
    assert.equal(peer.state, "running");
  });
});

describe("invalid configuration at start", () => {
  let dir: string;
  const started: PeerProcess[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "p2p-badconfig-"));
  });
  after(async () => {
    await Promise.all(started.map((p) => p.kill()));
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts a peer that must refuse to start; returns its exit code and its log lines. */
  async function refusedStart(name: string, args: string[]): Promise<{ code: number | null; output: string }> {
    const p = startPeer({ dataDir: join(dir, name), args, readyTimeoutMs: 20_000 });
    started.push(p);
    const err = await p.ready.then(
      () => assert.fail(`peer started with ${args.join(" ")}`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PeerStartError, String(err));
    const exit = await p.exited;
    return { code: exit.code, output: p.logs().join("\n") };
  }

  test("a bad flag value, an unknown flag or an inconsistent quorum: exit 2 naming the field", async () => {
    const cases: [string, string[], RegExp][] = [
      ["port", ["--port", "abc"], /port/],
      ["rf", ["--replication-factor", "0"], /replication.?factor/i],
      ["unknown", ["--bogus-flag", "1"], /bogus-flag/],
      ["quorum", ["--write-quorum", "5"], /write.?quorum/i],
      ["level", ["--log-level", "loud"], /log.?level/i],
    ];
    const results = await Promise.all(cases.map(([name, args]) => refusedStart(name, args)));
    results.forEach((r, i) => {
      assert.equal(r.code, 2, `${cases[i]![1].join(" ")}: exit ${r.code}\n${r.output}`);
      assert.match(r.output, cases[i]![2]);
    });
  });

  test("an invalid config file: exit 2 naming the file's field", async () => {
    const wrongType = join(dir, "wrong-type.json");
    await writeFile(wrongType, JSON.stringify({ writeQuorum: "two" }));
    const malformed = join(dir, "malformed.json");
    await writeFile(malformed, "{ writeQuorum: 2");
    const unknownKey = join(dir, "unknown.json");
    await writeFile(unknownKey, JSON.stringify({ writeQuorm: 2 }));
    const [a, b, c, d] = await Promise.all([
      refusedStart("cfg-a", ["--config", wrongType]),
      refusedStart("cfg-b", ["--config", malformed]),
      refusedStart("cfg-c", ["--config", unknownKey]),
      refusedStart("cfg-d", ["--config", join(dir, "missing.json")]),
    ]);
    for (const r of [a, b, c, d]) assert.equal(r.code, 2, r.output);
    assert.match(a.output, /writeQuorum/);
    assert.match(a.output, /wrong-type\.json/);
    assert.match(b.output, /malformed\.json/);
    assert.match(c.output, /writeQuorm/);
    assert.match(d.output, /missing\.json/);
  });
});
