import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { isFileUpload, startHttpServer } from "./http-server.js";

/** Sends headers then `chunks` body pieces `gapMs` apart; resolves with the response status line or "closed". */
function slowRequest(port: number, path: string, chunks: number, gapMs: number, declared = chunks): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let answer = "";
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on("connect", () => {
      socket.write(`PUT ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${declared}\r\n\r\n`);
      const send = () => {
        if (sent === chunks) return;
        sent++;
        socket.write("x");
        timer = setTimeout(send, gapMs);
      };
      send();
    });
    socket.on("data", (d) => (answer += d.toString("latin1")));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(answer.split("\r\n")[0] || "closed");
    });
  });
}

test("request bodies: ordinary ones bounded in total time, uploads by progress", async (t) => {
  const server = await startHttpServer({
    host: "127.0.0.1",
    port: 0,
    routes: () => {},
    readMaxBytes: 1 << 20,
    requestTimeoutMs: 400,
    idleTimeoutMs: 400,
    fallback: (req, res) => {
      let n = 0;
      req.on("data", (d: Buffer) => (n += d.length));
      req.on("end", () => {
        res.setHeader("connection", "close");
        res.end(String(n));
      });
    },
  });
  t.after(() => server.close(100));

  // 12 bytes 100 ms apart (1.2 s, 3× the total bound): an upload that keeps moving completes.
  assert.equal(await slowRequest(server.port, "/files/slow.bin", 12, 100), "HTTP/1.1 200 OK");
  // The same pace on an ordinary route is cut at the total bound.
  assert.equal(await slowRequest(server.port, "/store_data", 12, 100), "closed");
  // An upload that stops sending (declares 10 bytes, sends 1) is cut after the idle bound.
  assert.equal(await slowRequest(server.port, "/files/stalled.bin", 1, 100, 10), "closed");
});

test("isFileUpload names the upload routes only", () => {
  assert.equal(isFileUpload("PUT", "/files/a.bin"), true);
  assert.equal(isFileUpload("POST", "/files"), true);
  assert.equal(isFileUpload("POST", "/p2p.v1.NodeService/UploadFile"), true);
  assert.equal(isFileUpload("GET", "/files/abc"), false);
  assert.equal(isFileUpload("POST", "/store_data"), false);
  assert.equal(isFileUpload("POST", "/p2p.v1.NodeService/Put"), false);
});
