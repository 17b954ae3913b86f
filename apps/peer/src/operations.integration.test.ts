/**
 * Operating a real peer process: config hot reload (settings and behaviour change live, a bad
 * file keeps the old ones), server reflection and health on the gRPC port, NodeService over
 * gRPC on h2c, curl-style GET of side-effect-free methods, /metrics and /healthz.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { loadPackageDefinition, makeGenericClientConstructor, type Client, type ServiceError } from "@grpc/grpc-js";
import { peerClientCredentials } from "./index.js";
import { loadSync } from "@grpc/proto-loader";
import { service as healthService } from "grpc-health-check";
import { nodeClient, startNetwork, startPeer, waitFor, type Network, type NodeClient, type PeerProcess } from "@p2p/launcher";
import { NodeService } from "@p2p/proto/node";

const require = createRequire(import.meta.url);
// @grpc/reflection ships its reflection.proto beside its build output.
const reflectionProto = join(dirname(require.resolve("@grpc/reflection")), "../proto/grpc/reflection/v1/reflection.proto");

describe("config hot reload", () => {
  let dir: string;
  let peer: PeerProcess;
  let client: NodeClient;
  let configPath: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "p2p-reload-"));
    configPath = join(dir, "peer.json");
    // One lone peer with R=2: with W=2 a write cannot reach its quorum, with W=1 it can.
    await writeFile(configPath, JSON.stringify({ replicationFactor: 2, writeQuorum: 2, readQuorum: 1, requestTimeoutMs: 3000, rpcTimeoutMs: 500 }));
    peer = startPeer({ dataDir: join(dir, "data"), args: ["--config", configPath] });
    await peer.ready;
    client = nodeClient(peer.httpAddress!);
  });
  after(async () => {
    await peer?.stop(5000);
    await rm(dir, { recursive: true, force: true });
  });

  test("a changed writeQuorum shows in Info and changes what a write needs", async () => {
    const before = await client.info({});
    assert.equal(before.writeQuorum, 2);
    assert.equal(before.replicationFactor, 2);
    await assert.rejects(client.put({ key: "k", value: "v" }), (e: unknown) => {
      const err = ConnectError.from(e);
      assert.equal(err.code, Code.Unavailable, err.rawMessage);
      return true;
    });

    // W = 1 with Rq = 1 and R = 2: quorums that do not overlap, so weak consistency on purpose.
    await writeFile(configPath, JSON.stringify({ replicationFactor: 2, writeQuorum: 1, readQuorum: 1, consistency: "weak", requestTimeoutMs: 3000, rpcTimeoutMs: 500, logLevel: "debug" }));
    await waitFor(async () => (await client.info({})).writeQuorum === 1, { timeoutMs: 10_000, what: "writeQuorum 1 in Info" });
    assert.equal((await client.info({})).consistency, "weak");
    assert.ok(peer.logs().some((l) => l.includes("consistency is weak")), "the logs say so");
    const put = await client.put({ key: "k", value: "v" });
    assert.deepEqual(put.acknowledgedBy, [peer.id]);
    assert.equal((await client.get({ key: "k" })).value, "v");
    assert.ok(peer.logs().some((l) => l.includes("settings reloaded") && l.includes("logLevel") && l.includes("writeQuorum")));
  });

  test("an invalid file is reported naming the field and the running settings stay", async () => {
    await writeFile(configPath, JSON.stringify({ replicationFactor: 2, writeQuorum: "one", readQuorum: 1 }));
    const rejected = await waitFor(() => peer.logs().find((l) => l.includes("config file rejected")), { timeoutMs: 10_000, what: "the rejection log line" });
    assert.match(rejected, /writeQuorum/);
    // The same quorums without weak consistency chosen are refused, naming the rule.
    await writeFile(configPath, JSON.stringify({ replicationFactor: 2, writeQuorum: 1, readQuorum: 1, requestTimeoutMs: 3000, rpcTimeoutMs: 500 }));
    await waitFor(() => peer.logs().some((l) => l.includes("config file rejected") && l.includes("W + Rq must exceed R (2)")), { timeoutMs: 10_000, what: "the W + Rq rejection" });
    // A setting that needs a restart is reported, not applied.
    // (Not a port: the launcher's flags override the file, so a port in it changes nothing.)
    await writeFile(configPath, JSON.stringify({ replicationFactor: 3, writeQuorum: 1, readQuorum: 1, consistency: "weak", requestTimeoutMs: 3000, rpcTimeoutMs: 500 }));
    await waitFor(() => peer.logs().some((l) => l.includes("only after a restart") && l.includes("replicationFactor")), { timeoutMs: 10_000, what: "the restart-only warning" });
    const info = await client.info({});
    assert.equal(info.writeQuorum, 1);
    assert.equal(info.replicationFactor, 2);
    assert.equal(peer.state, "running");
  });
});

describe("a peer's operational surfaces", () => {
  let net: Network;
  let peer: PeerProcess;

  before(async () => {
    net = await startNetwork(3);
    peer = net.peers[1]!;
    await nodeClient(peer.httpAddress!).put({ key: "curl me", value: "hello" });
  });
  after(() => net?.stop());

  test("server reflection lists the services and resolves their descriptors; health answers SERVING", async (t) => {
    const pkg = loadPackageDefinition(loadSync(reflectionProto, { keepCase: false, longs: String, defaults: true }));
    const ReflectionClient = (pkg["grpc"] as any).reflection.v1.ServerReflection as typeof Client;
    const reflection = new ReflectionClient(peer.grpcAddress!, peerClientCredentials());
    const HealthClient = makeGenericClientConstructor(healthService as never, "Health");
    const health = new HealthClient(peer.grpcAddress!, peerClientCredentials());
    t.after(() => {
      reflection.close();
      health.close();
    });
    const reflect = (request: object) =>
      new Promise<{ listServicesResponse?: { service: { name: string }[] }; fileDescriptorResponse?: { fileDescriptorProto: Buffer[] } }>((resolve, reject) => {
        const call = (reflection as any).ServerReflectionInfo({ deadline: Date.now() + 5000 });
        call.on("data", (res: never) => {
          resolve(res);
          call.cancel();
        });
        call.on("error", (err: ServiceError) => (err.code === 1 ? undefined : reject(err)));
        call.write(request);
        call.end();
      });

    const names = (await reflect({ listServices: "*" })).listServicesResponse?.service.map((s) => s.name) ?? [];
    for (const s of ["p2p.v1.PeerService", "grpc.health.v1.Health"]) assert.ok(names.includes(s), `${s} not in ${names.join(",")}`);
    const files = (await reflect({ fileContainingSymbol: "p2p.v1.PeerService" })).fileDescriptorResponse?.fileDescriptorProto ?? [];
    const decoded = files.map((b) => fromBinary(FileDescriptorProtoSchema, b));
    const peerFile = decoded.find((f) => f.name === "p2p/v1/peer.proto");
    assert.ok(peerFile, `got ${decoded.map((f) => f.name).join(",")}`);
    assert.ok(peerFile.service[0]!.method.some((m) => m.name === "FindNode"));
    assert.ok(decoded.some((f) => f.name === "p2p/v1/types.proto"), "imports are resolved");

    for (const service of ["", "p2p.v1.PeerService"]) {
      const res = await new Promise<{ status: string }>((resolve, reject) =>
        (health as any).Check({ service }, { deadline: Date.now() + 5000 }, (err: ServiceError | null, r: { status: string }) => (err ? reject(err) : resolve(r))),
      );
      assert.equal(res.status, "SERVING", `health of "${service}"`);
    }
  });

  test("NodeService answers a gRPC client over cleartext HTTP/2 on the HTTP port", async () => {
    // connect-node's gRPC transport always speaks HTTP/2; with an http:// URL that is h2c.
    const grpc = createClient(NodeService, createGrpcTransport({ baseUrl: `http://${peer.httpAddress}`, defaultTimeoutMs: 5000 }));
    const info = await grpc.info({});
    assert.equal(info.id, peer.id);
    assert.equal(info.httpAddress, peer.httpAddress);
    assert.equal((await grpc.get({ key: "curl me" })).value, "hello");
    await assert.rejects(grpc.get({ key: "" }), (e: unknown) => ConnectError.from(e).code === Code.InvalidArgument);
    // HTTP/1.1 keeps working on the same port after an h2 connection.
    assert.equal((await nodeClient(peer.httpAddress!).info({})).id, peer.id);
  });

  test("side-effect-free methods answer a plain GET (curl-able), Put a curl POST", async () => {
    const get = async (method: string, message: object) => {
      const url = `http://${peer.httpAddress}/p2p.v1.NodeService/${method}?encoding=json&message=${encodeURIComponent(JSON.stringify(message))}`;
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const info = await get("Info", {});
    assert.equal(info.status, 200, JSON.stringify(info.body));
    assert.equal(info.body["id"], peer.id);
    const value = await get("Get", { key: "curl me", trace: true });
    assert.equal(value.status, 200, JSON.stringify(value.body));
    assert.equal(value.body["value"], "hello");
    assert.ok(value.body["trace"], "trace requested");
    const table = await get("RoutingTable", {});
    assert.equal(table.body["selfId"], peer.id);
    assert.equal((await get("Stats", {})).status, 200);
    assert.equal((await get("LocalRecords", { pageSize: 10 })).status, 200);

    // Exactly the README's curl: a JSON POST without Connect headers.
    const put = await fetch(`http://${peer.httpAddress}/p2p.v1.NodeService/Put`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ key: "a", value: "b" }),
    });
    assert.equal(put.status, 200);
    assert.equal(((await put.json()) as { key: string }).key, "a");
  });

  test("/metrics exposes Prometheus text and /healthz answers ok", async () => {
    const metrics = await fetch(`http://${peer.httpAddress}/metrics`);
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    for (const name of ["p2p_routing_table_contacts", "p2p_records_held", "p2p_peer_rpc_total", "p2p_client_operations_total"]) {
      assert.match(text, new RegExp(`^${name}`, "m"), `${name} missing`);
    }
    const health = await fetch(`http://${peer.httpAddress}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, "ok");
  });
});
