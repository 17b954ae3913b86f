import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { credentials, loadPackageDefinition, makeGenericClientConstructor } from "@grpc/grpc-js";
import type { Client, ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { service as healthService } from "grpc-health-check";
import { PeerService } from "@p2p/proto/peer";
import { RecordingHandler, startTestPeer } from "./test-peers.js";
import { reflectionLoads } from "./lazy-reflection.js";

const require = createRequire(import.meta.url);
// @grpc/reflection ships its own reflection.proto next to its build output.
const reflectionProto = join(dirname(require.resolve("@grpc/reflection")), "../proto/grpc/reflection/v1/reflection.proto");

interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorMessage: string };
}

/** Sends one request on a ServerReflectionInfo stream and returns the first response. */
function reflect(client: Client, request: object): Promise<ReflectionResponse> {
  return new Promise((resolve, reject) => {
    const call = (client as unknown as { ServerReflectionInfo(): NodeJS.ReadWriteStream & { cancel(): void } }).ServerReflectionInfo();
    call.on("data", (res: ReflectionResponse) => {
      resolve(res);
      call.cancel();
    });
    call.on("error", (err: ServiceError) => {
      if (err.code !== 1) reject(err);
    });
    call.write(request as never);
    call.end();
  });
}

describe("health and reflection", async () => {
  const peer = await startTestPeer(new RecordingHandler());
  const pkg = loadPackageDefinition(loadSync(reflectionProto, { keepCase: false, longs: String, defaults: true }));
  const ReflectionClient = (pkg["grpc"] as any).reflection.v1.ServerReflection as typeof Client;
  const reflection = new ReflectionClient(peer.contact.address, credentials.createInsecure());
  const HealthClient = makeGenericClientConstructor(healthService as never, "Health");
  const health = new HealthClient(peer.contact.address, credentials.createInsecure());
  after(async () => {
    reflection.close();
    health.close();
    await peer.server.close(0);
  });

  test("an idle peer has not loaded the reflection service; the first call loads it once", async () => {
    assert.equal(reflectionLoads(), 0, "loaded before any reflection call");
    await Promise.all([reflect(reflection, { listServices: "*" }), reflect(reflection, { listServices: "*" })]);
    assert.equal(reflectionLoads(), 1);
  });

  test("lists PeerService and Health, and resolves the PeerService file with its imports", async () => {
    const list = await reflect(reflection, { listServices: "*" });
    const names = list.listServicesResponse?.service.map((s) => s.name) ?? [];
    assert.ok(names.includes("p2p.v1.PeerService"), names.join(","));
    assert.ok(names.includes("grpc.health.v1.Health"), names.join(","));

    const files = await reflect(reflection, { fileContainingSymbol: "p2p.v1.PeerService" });
    const decoded = (files.fileDescriptorResponse?.fileDescriptorProto ?? []).map((b) => fromBinary(FileDescriptorProtoSchema, b));
    const peerFile = decoded.find((f) => f.name === "p2p/v1/peer.proto");
    assert.ok(peerFile, `got ${decoded.map((f) => f.name).join(",")}`);
    // Reflection must serve the descriptor of the service as generated, every method included.
    assert.deepEqual(peerFile.service[0]?.method.map((m) => m.name), PeerService.methods.map((m) => m.name));
    assert.ok(peerFile.service[0]?.method.some((m) => m.name === "FindValue"));
    assert.ok(decoded.some((f) => f.name === "p2p/v1/types.proto"), "imports are included");
  });

  test("health Check answers NOT_SERVING until the peer says it serves, then SERVING, overall and for PeerService", async () => {
    const check = (service: string) =>
      new Promise<string>((resolve, reject) => {
        (health as any).Check({ service }, { deadline: Date.now() + 5000 }, (err: ServiceError | null, r: { status: string }) =>
          err ? reject(err) : resolve(r.status),
        );
      });
    for (const service of ["", "p2p.v1.PeerService"]) assert.equal(await check(service), "NOT_SERVING", `service "${service}" before`);
    peer.server.setServing(true);
    for (const service of ["", "p2p.v1.PeerService"]) assert.equal(await check(service), "SERVING", `service "${service}"`);
  });
});
