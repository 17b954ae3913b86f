// Real peers with low rate limits; a client on 127.0.0.2 floods both ports while an honest
// client on 127.0.0.1 (also where the peers call each other from) keeps being served. The
// flooder gets REST 429 and Connect resource_exhausted with Retry-After, and PeerService
// RESOURCE_EXHAUSTED with retry-after; it is served again once its bucket refills; /metrics
// counts the refusals. 127.0.0.2 is loopback too (127/8), so both clients are on this machine.
import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import tls from "node:tls";
import { PeerTls } from "./tls/peer-tls.js";
import net from "node:net";
import { after, before, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { nodeClient, startNetwork, type Network } from "@p2p/launcher";
import { NodeService } from "@p2p/proto/node";
import { PingRequestSchema } from "@p2p/proto/peer";
import { PeerIdentity } from "./identity/peer-identity.js";
import { SelfContactSigner } from "./identity/signed-contact.js";

const FLOODER = "127.0.0.2";
/** Low enough to hit in a test, high enough that the peers' own traffic on 127.0.0.1 stays under it. */
const HTTP_RATE = 10;
const PEER_RATE = 50;

let network: Network;
before(async () => {
  network = await startNetwork(2, {
    peer: {
      args: ["--log-level", "warn", "--http-rate-limit", String(HTTP_RATE), "--http-rate-burst", String(HTTP_RATE), "--peer-rate-limit", String(PEER_RATE), "--peer-rate-burst", String(PEER_RATE)],
    },
  });
});
after(() => network?.stop());

const hostPort = (address: string) => ({ host: address.slice(0, address.lastIndexOf(":")), port: Number(address.slice(address.lastIndexOf(":") + 1)) });

/** A REST GET from the flooder's address. */
function restGet(address: string, path: string): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ ...hostPort(address), path, localAddress: FLOODER, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, retryAfter: res.headers["retry-after"], body }));
    });
    req.on("error", reject);
  });
}

/** Unary PeerService calls over one HTTP/2 connection from the flooder's address, as a peer would make them (TLS with its peer certificate). */
function grpcFromFlooder(address: string) {
  const { host, port } = hostPort(address);
  const identity = PeerIdentity.generate();
  const peerTls = new PeerTls({ identity });
  const session = http2.connect(`https://${address}`, {
    createConnection: () => tls.connect({ socket: net.connect({ host, port, localAddress: FLOODER }), secureContext: peerTls.secureContext, ALPNProtocols: ["h2"], rejectUnauthorized: false }),
  });
  session.on("error", () => {});
  const sender = new SelfContactSigner(identity).sign({ id: identity.id, address: `${FLOODER}:1`, httpAddress: `${FLOODER}:2` });
  const message = toBinary(PingRequestSchema, create(PingRequestSchema, { sender }));
  const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), Buffer.from(message)]);
  frame.writeUInt32BE(message.byteLength, 1);
  const ping = () =>
    new Promise<{ status: number; message: string; retryAfter: string | undefined }>((resolve, reject) => {
      const stream = session.request({ ":method": "POST", ":path": "/p2p.v1.PeerService/Ping", "content-type": "application/grpc", te: "trailers" });
      let headers: http2.IncomingHttpHeaders = {};
      // A refusal comes before any message, as a trailers-only response (its status in the headers).
      stream.on("response", (h) => (headers = h));
      stream.on("trailers", (t) => (headers = { ...headers, ...t }));
      stream.on("data", () => {});
      stream.on("end", () =>
        resolve({
          status: Number(headers["grpc-status"]),
          message: decodeURIComponent(String(headers["grpc-message"] ?? "")),
          retryAfter: headers["retry-after"] as string | undefined,
        }),
      );
      stream.on("error", reject);
      stream.end(frame);
    });
  return { ping, close: () => session.close() };
}

/** Most requests a bucket of `rate` tokens/s and burst `rate` can pass from `startedMs` until now. */
const allowance = (rate: number, startedMs: number) => rate + Math.ceil(((Date.now() - startedMs) / 1000) * rate) + 1;

async function metric(address: string, surface: string): Promise<number> {
  const text = await (await fetch(`http://${address}/metrics`)).text();
  return Number(new RegExp(`^p2p_rate_limited_total\\{surface="${surface}",bucket="client"\\} (\\d+)$`, "m").exec(text)?.[1]);
}

test("a flooding client is refused on both ports with Retry-After while others are served", { timeout: 60_000 }, async () => {
  const peer = network.peers[0]!;
  const honest = nodeClient(peer.httpAddress!, { timeoutMs: 10_000 });
  await honest.put({ key: "rate", value: "before" });

  // REST, all at once: the burst passes (404: no such record), plus what refills meanwhile;
  // the rest is refused with 429 and Retry-After.
  let started = Date.now();
  const rest = await Promise.all(Array.from({ length: HTTP_RATE * 5 }, () => restGet(peer.httpAddress!, "/get_data/nothing-here")));
  const refused = rest.filter((r) => r.status === 429);
  const served = rest.length - refused.length;
  assert.ok(served >= HTTP_RATE && served <= allowance(HTTP_RATE, started), `statuses ${rest.map((r) => r.status).join(",")}`);
  assert.ok(rest.every((r) => r.status === 429 || r.status === 404));
  assert.equal(refused[0]!.retryAfter, "1");
  assert.deepEqual(JSON.parse(refused[0]!.body), {
    error: `rate limit: more than ${HTTP_RATE} requests/s from ${FLOODER}; retry after 1 s`,
    code: "resource_exhausted",
  });

  // Connect, through a real Connect client bound to the flooder's address.
  const transport = createConnectTransport({ baseUrl: `http://${peer.httpAddress}`, httpVersion: "1.1", nodeOptions: { localAddress: FLOODER } });
  const connect = createClient(NodeService, transport);
  // A burst of calls, not one: the bucket refills a token every 1/HTTP_RATE s, and on a loaded
  // machine a single call made after the REST flood could find one (CI saw exactly that).
  const calls = await Promise.allSettled(Array.from({ length: HTTP_RATE * 3 }, () => connect.info({})));
  const limited = calls.find((c): c is PromiseRejectedResult => c.status === "rejected" && ConnectError.from(c.reason).code === Code.ResourceExhausted);
  assert.ok(limited, `no Connect call was limited: ${calls.map((c) => c.status).join(",")}`);
  const e = ConnectError.from(limited.reason);
  assert.match(e.rawMessage, new RegExp(`^rate limit: more than ${HTTP_RATE} requests/s from 127\\.0\\.0\\.2; retry after 1 s$`));
  assert.equal(e.metadata.get("retry-after"), "1");

  // PeerService: the burst passes, then RESOURCE_EXHAUSTED (8) with retry-after in ms.
  const grpc = grpcFromFlooder(peer.grpcAddress!);
  let pingsRefused = 0;
  try {
    started = Date.now();
    const calls = await Promise.all(Array.from({ length: PEER_RATE * 4 }, () => grpc.ping()));
    const ok = calls.filter((c) => c.status === 0).length;
    assert.ok(ok >= PEER_RATE && ok <= allowance(PEER_RATE, started), `${ok} pings served`);
    pingsRefused = calls.length - ok;
    const limited = calls.find((c) => c.status === 8);
    assert.ok(limited, `statuses ${calls.map((c) => c.status).join(",")}`);
    assert.match(limited.message, new RegExp(`^rate limit: more than ${PEER_RATE} calls/s from peer 127\\.0\\.0\\.2; retry after \\d+ ms$`));
    assert.ok(Number(limited.retryAfter) >= 1 && Number(limited.retryAfter) <= 1000 / PEER_RATE + 1, `retry-after ${limited.retryAfter}`);

    // Meanwhile the honest client, and the peers among themselves (a put reaches the other peer over gRPC), are served.
    await honest.put({ key: "rate", value: "during" });
    assert.equal((await honest.get({ key: "rate" })).value, "during");
    assert.equal((await nodeClient(network.peers[1]!.httpAddress!, { timeoutMs: 10_000 }).get({ key: "rate" })).value, "during");

    // After the window the flooder is served again.
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await restGet(peer.httpAddress!, "/get_data/nothing-here")).status, 404);
    assert.equal((await grpc.ping()).status, 0);
  } finally {
    grpc.close();
  }

  // /metrics is exempt, and counts every refusal.
  assert.ok((await metric(peer.httpAddress!, "http")) >= refused.length + 1, "http refusals counted");
  assert.ok((await metric(peer.httpAddress!, "peer")) >= pingsRefused, "peer refusals counted");
});
