/**
 * What grpc.health.v1 (the Kubernetes probes) and /healthz say through a peer's life: not
 * serving while it starts and joins, serving once it has joined, not serving once it left.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js";
import { peerClientCredentials } from "./index.js";
import { service as healthService } from "grpc-health-check";
import { adminClient, nodeClient, startPeer, waitFor, type PeerProcess } from "@p2p/launcher";

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
}

async function freePort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

describe("health through a peer's life", () => {
  let peer: PeerProcess | undefined;
  let dir = "";
  // Accepts connections and never answers: a bootstrap peer that hangs.
  const silent = createServer(() => {});
  after(async () => {
    await peer?.stop(5000);
    silent.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("NOT_SERVING while joining, SERVING once joined, NOT_SERVING after Leave (and /healthz 503); /readyz says the same over HTTP", async () => {
    dir = await mkdtemp(join(tmpdir(), "p2p-health-"));
    const hung = await listen(silent);
    const grpcPort = await freePort();
    const httpPort = await freePort();
    const readyz = async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status;
    peer = startPeer({ dataDir: dir, grpcPort, httpPort, bootstrap: [`127.0.0.1:${hung}`], args: ["--rpc-timeout-ms", "3000"] });
    const Health = makeGenericClientConstructor(healthService as never, "Health");
    const health = new Health(`127.0.0.1:${grpcPort}`, peerClientCredentials());
    const check = () =>
      new Promise<string>((resolve, reject) =>
        (health as any).Check({ service: "" }, { deadline: Date.now() + 2000 }, (err: ServiceError | null, r: { status: string }) => (err ? reject(err) : resolve(r.status))),
      );
    try {
      // The join waits 3 s for the hung bootstrap peer; the port is up long before that.
      const starting = await waitFor(() => check().catch(() => undefined), { timeoutMs: 10_000, intervalMs: 50, what: "the gRPC port to answer" });
      assert.equal(starting, "NOT_SERVING");
      assert.equal(await readyz(), 503, "/readyz while joining");
      assert.equal(peer.state, "starting", "asked before the ready line");
      await peer.ready;
      assert.equal(await check(), "SERVING");
      assert.equal(await readyz(), 200, "/readyz once joined");
      assert.equal((await fetch(`http://${peer.httpAddress}/healthz`)).status, 200);

      await adminClient(peer.httpAddress!).leave({});
      assert.equal(await check(), "NOT_SERVING");
      assert.equal(await readyz(), 503, "/readyz after Leave");
      const healthz = await fetch(`http://${peer.httpAddress}/healthz`);
      assert.equal(healthz.status, 503);
      assert.equal(((await healthz.json()) as { status: string }).status, "left");
    } finally {
      health.close();
    }
  });
});
