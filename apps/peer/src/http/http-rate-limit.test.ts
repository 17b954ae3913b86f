// The public port's rate limit on a real HTTP server: REST and Connect calls draw from one
// bucket per client, refusals carry Retry-After and name the limit, health and metrics paths
// are never charged.
import assert from "node:assert/strict";
import net from "node:net";
import { test, type TestContext } from "node:test";
import { create } from "@bufbuild/protobuf";
import { InfoResponseSchema, NodeService } from "@p2p/proto/node";
import { KeyedTokenBuckets, type RateBucket } from "../rate-limit/keyed-token-buckets.js";
import { HttpRateLimiter, RATE_LIMIT_EXEMPT_PATHS } from "./http-rate-limit.js";
import { startHttpServer } from "./http-server.js";

/** A server with one Connect method (NodeService.Info) and a REST fallback answering 200 "rest". */
async function serve(t: TestContext, burst: number) {
  const limited: RateBucket[] = [];
  const buckets = new KeyedTokenBuckets({ ratePerSecond: 0.5, burst }, { maxKeys: 100 });
  const server = await startHttpServer({
    host: "127.0.0.1",
    port: 0,
    routes: (router) => router.service(NodeService, { info: () => create(InfoResponseSchema, { id: "me" }) }),
    fallback: (_req, res) => res.end("rest"),
    readMaxBytes: 1 << 20,
    rateLimiter: new HttpRateLimiter({ buckets, maxClients: 100, onLimited: (b) => limited.push(b) }),
  });
  t.after(() => server.close(0));
  const base = `http://127.0.0.1:${server.port}`;
  const info = () => fetch(`${base}/p2p.v1.NodeService/Info`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  return { base, info, limited };
}

test("REST and Connect share the client's bucket; refusals are 429 with Retry-After and the limit named", async (t) => {
  const { base, info, limited } = await serve(t, 2);
  assert.equal(await (await fetch(`${base}/get_data/x`)).text(), "rest");
  assert.equal((await info()).status, 200);

  const rest = await fetch(`${base}/get_data/x`);
  assert.equal(rest.status, 429);
  assert.equal(rest.headers.get("retry-after"), "2", "a token every 2 s at 0.5/s");
  assert.deepEqual(await rest.json(), { error: "rate limit: more than 0.5 requests/s from 127.0.0.1; retry after 2 s", code: "resource_exhausted" });

  const connect = await info();
  assert.equal(connect.status, 429);
  assert.equal(connect.headers.get("retry-after"), "2");
  assert.deepEqual(await connect.json(), { code: "resource_exhausted", message: "rate limit: more than 0.5 requests/s from 127.0.0.1; retry after 2 s" });
  assert.deepEqual(limited, ["client", "client"]);
});

test("health and metrics paths are never charged", async (t) => {
  const { base } = await serve(t, 1);
  assert.equal((await fetch(`${base}/get_data/x`)).status, 200);
  assert.equal((await fetch(`${base}/get_data/x`)).status, 429);
  for (const path of RATE_LIMIT_EXEMPT_PATHS) {
    for (let i = 0; i < 5; i++) assert.equal((await fetch(`${base}${path}?x=${i}`)).status, 200, path);
  }
});

test("a refused upload is answered at once and its connection closed, its body never drained", { timeout: 5000 }, async (t) => {
  const { base } = await serve(t, 1);
  assert.equal((await fetch(`${base}/get_data/x`)).status, 200);
  const port = Number(new URL(base).port);
  const answer = await new Promise<string>((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      // Declares 1 GiB, sends 3 bytes, then keeps the socket open.
      socket.write(`PUT /files/big.bin HTTP/1.1\r\nHost: x\r\nContent-Length: ${2 ** 30}\r\n\r\nabc`);
    });
    let text = "";
    socket.on("data", (d) => (text += d.toString("latin1")));
    socket.on("error", () => {});
    socket.on("close", () => resolve(text));
    t.after(() => socket.destroy());
  });
  assert.match(answer, /^HTTP\/1\.1 429 /);
  assert.match(answer, /\r\nretry-after: 2\r\n/i);
  assert.match(answer, /\r\nconnection: close\r\n/i);
});
