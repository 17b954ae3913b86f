// The public port's connection limits, on a real server (startHttpServer) with short timeouts:
// silent and dribbling connections are cut, one client cannot take every connection, and
// well-behaved HTTP/1.1 and HTTP/2 clients are untouched.
import assert from "node:assert/strict";
import http2 from "node:http2";
import net from "node:net";
import { test, type TestContext } from "node:test";
import type { ConnectionLimitHit, ConnectionLimits } from "./connection-guard.js";
import { ConnectionGuard } from "./connection-guard.js";
import { startHttpServer } from "./http-server.js";

async function serve(t: TestContext, limits: Partial<ConnectionLimits>) {
  const hits: ConnectionLimitHit[] = [];
  const server = await startHttpServer({
    host: "127.0.0.1",
    port: 0,
    routes: () => {},
    readMaxBytes: 1 << 20,
    connectionLimits: limits,
    onConnectionLimit: (hit) => hits.push(hit),
    fallback: (_req, res) => res.end("ok"),
  });
  t.after(() => server.close(100));
  return { port: server.port, hits };
}

/** Opens a connection, runs `talk` on it, resolves with what came back and how long it stayed open. */
function connection(port: number, talk: (s: net.Socket) => void = () => {}): Promise<{ answer: string; openMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, "127.0.0.1", () => talk(socket));
    let answer = "";
    socket.on("data", (d) => (answer += d.toString("latin1")));
    socket.on("error", () => {});
    socket.on("close", () => resolve({ answer, openMs: Date.now() - started }));
  });
}

test("a connection that sends nothing is closed after the header timeout", { timeout: 10_000 }, async (t) => {
  const { port, hits } = await serve(t, { headersTimeoutMs: 300 });
  const { answer, openMs } = await connection(port);
  assert.equal(answer, "");
  assert.ok(openMs >= 250 && openMs < 3000, `open ${openMs} ms`);
  assert.deepEqual(hits, ["headers_timeout"]);
});

test("headers sent a byte at a time are cut at the header timeout, not served", { timeout: 10_000 }, async (t) => {
  const { port, hits } = await serve(t, { headersTimeoutMs: 400 });
  const { answer, openMs } = await connection(port, (s) => {
    const text = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + "y".repeat(100) + "\r\n\r\n";
    let i = 0;
    const timer = setInterval(() => (s.destroyed || i >= text.length ? clearInterval(timer) : s.write(text[i++]!)), 50);
  });
  assert.equal(answer, "");
  assert.ok(openMs < 3000, `open ${openMs} ms`);
  assert.ok(hits.includes("headers_timeout"));
});

test("on a kept-alive connection the next request's headers are due in time too", { timeout: 10_000 }, async (t) => {
  const { port } = await serve(t, { headersTimeoutMs: 400 });
  const { answer, openMs } = await connection(port, (s) => {
    s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    setTimeout(() => {
      s.write("GET /");
      const timer = setInterval(() => (s.destroyed ? clearInterval(timer) : s.write("x")), 50);
    }, 100);
  });
  assert.match(answer, /^HTTP\/1.1 200/);
  assert.equal(answer.match(/HTTP\/1.1/g)?.length, 1);
  assert.ok(openMs < 3000, `open ${openMs} ms`);
});

test("one client gets at most its share of connections; the others are refused at once", { timeout: 10_000 }, async (t) => {
  const { port, hits } = await serve(t, { headersTimeoutMs: 5000, maxConnectionsPerClient: 4 });
  const held = Array.from({ length: 4 }, () => net.connect(port, "127.0.0.1"));
  t.after(() => held.forEach((s) => s.destroy()));
  await Promise.all(held.map((s) => new Promise((r) => s.once("connect", r))));
  await new Promise((r) => setTimeout(r, 100));
  const refused = await connection(port, (s) => s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  assert.equal(refused.answer, "");
  assert.ok(refused.openMs < 1000);
  assert.deepEqual(hits, ["per_client"]);
  held[0]!.destroy();
  await new Promise((r) => setTimeout(r, 100));
  const served = await connection(port, (s) => s.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  assert.match(served.answer, /^HTTP\/1.1 200/);
});

test("HTTP/2: a session keeps working past the header timeout; an idle one is closed", { timeout: 10_000 }, async (t) => {
  const { port, hits } = await serve(t, { headersTimeoutMs: 200, idleTimeoutMs: 800 });
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.after(() => session.destroy());
  session.on("error", () => {});
  const get = () =>
    new Promise<number>((resolve, reject) => {
      const req = session.request({ ":path": "/" });
      req.on("response", (h) => resolve(Number(h[":status"])));
      req.on("error", reject);
      req.end();
      req.resume();
    });
  assert.equal(await get(), 200);
  await new Promise((r) => setTimeout(r, 400)); // past the header timeout, inside the idle one
  assert.equal(await get(), 200);
  const closed = await new Promise<boolean>((resolve) => {
    session.once("close", () => resolve(true));
    setTimeout(() => resolve(false), 3000);
  });
  assert.equal(closed, true);
  assert.ok(hits.includes("idle_timeout"));
});

test("a kept-alive connection awaiting headers again after each response gains no listener per request", () => {
  const guard = new ConnectionGuard({ headersTimeoutMs: 60_000 });
  const socket = new net.Socket();
  assert.ok(guard.admit(socket));
  const before = socket.listenerCount("close");
  for (let i = 0; i < 50; i++) {
    guard.headersArrived(socket);
    guard.awaitHeaders(socket);
  }
  assert.equal(socket.listenerCount("close"), before);
  socket.destroy();
});
