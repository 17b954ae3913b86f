// The server side of a chunk upload widens its HTTP/2 receive window (grpc-js has no option for it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Server, ServerCredentials, credentials, makeGenericClientConstructor } from "@grpc/grpc-js";
import type { ServerReadableStream, sendUnaryData } from "@grpc/grpc-js";
import { CHUNK_CONNECTION_WINDOW_BYTES, sessionOf, widenReceiveWindow } from "./receive-window.js";

const raw = (b: Buffer) => b;
const definition = {
  upload: { path: "/test.Bulk/Upload", requestStream: true, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw },
};

test("a client-stream call's connection gets the wide receive window, once per connection", async (t) => {
  const windows: (number | undefined)[] = [];
  const server = new Server();
  server.addService(definition, {
    upload: (call: ServerReadableStream<Buffer, Buffer>, done: sendUnaryData<Buffer>) => {
      const before = sessionOf(call)?.state.localWindowSize;
      widenReceiveWindow(call);
      widenReceiveWindow(call); // a second call on the same connection changes nothing
      windows.push(before, sessionOf(call)?.state.localWindowSize);
      call.on("data", () => {});
      call.on("end", () => done(null, Buffer.from("ok")));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const Client = makeGenericClientConstructor(definition, "Bulk");
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  t.after(() => {
    client.close();
    server.forceShutdown();
  });
  const reply = await new Promise<Buffer>((resolve, reject) => {
    const call = (client as unknown as { upload(cb: (e: Error | null, r?: Buffer) => void): { write(b: Buffer): void; end(): void } }).upload((e, r) => (e ? reject(e) : resolve(r!)));
    call.write(Buffer.alloc(200_000));
    call.end();
  });
  assert.equal(reply.toString(), "ok");
  assert.equal(windows.length, 2);
  assert.ok(windows[0] !== undefined, "the session is reachable from the call");
  assert.ok(windows[0]! < CHUNK_CONNECTION_WINDOW_BYTES, `starts at HTTP/2's default (${windows[0]})`);
  assert.ok(windows[1]! >= CHUNK_CONNECTION_WINDOW_BYTES - (1 << 20), `widened to ~${CHUNK_CONNECTION_WINDOW_BYTES} (${windows[1]})`);
});
