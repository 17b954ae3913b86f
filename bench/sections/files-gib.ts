/**
 * Files, full runs only: a 1 GiB upload and download streamed through the peers (the bench
 * never holds the file: it generates the upload chunk by chunk and counts the download), and
 * the peak RSS of any peer meanwhile, which must stay bounded (windows of chunks, not the file).
 */
import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import type { Network } from "@p2p/launcher";
import { figure, withTarget, type Figure } from "../lib/figures.js";
import { rssPeakSampler } from "../lib/proc.js";

const S = "files";
const GIB = 2 ** 30;
const PIECE = 1 << 20;

/** PUT `size` bytes generated per MiB (each MiB distinct, so no chunk deduplicates); answers the file ID. */
function streamUpload(agent: Agent, url: string, size: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const piece = randomBytes(PIECE);
    const req = request(url, { method: "PUT", agent, timeout: 900_000, headers: { "content-type": "application/octet-stream", "content-length": size } }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString("utf8")));
      res.on("end", () => (res.statusCode === 200 || res.statusCode === 201 ? resolve((JSON.parse(text) as { id: string }).id) : reject(new Error(`PUT: HTTP ${res.statusCode} ${text.slice(0, 200)}`))));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("PUT 1 GiB timed out")));
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        piece.writeUInt32LE(sent / PIECE, 0);
        const n = Math.min(PIECE, size - sent);
        sent += n;
        // Buffer.from copies: the piece is rewritten before the socket has sent this one.
        if (!req.write(Buffer.from(piece.subarray(0, n)))) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

function countDownload(agent: Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: 900_000 }, (res) => {
      let bytes = 0;
      res.on("data", (c: Buffer) => (bytes += c.length));
      res.on("end", () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`GET: HTTP ${res.statusCode}`))));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("GET 1 GiB timed out")));
    req.end();
  });
}

/** Upload 1 GiB through peers[1], download it through peers[3]; peak RSS of one peer meanwhile. */
export async function gibFigures(net: Network, agent: Agent): Promise<Figure[]> {
  const sampler = rssPeakSampler(net.peers.map((p) => p.pid));
  let t = performance.now();
  const id = await streamUpload(agent, `http://${net.peers[1]!.httpAddress}/files/gib.bin`, GIB);
  const up = GIB / 1e6 / ((performance.now() - t) / 1000);
  t = performance.now();
  const got = await countDownload(agent, `http://${net.peers[3]!.httpAddress}/files/${id}`);
  const down = GIB / 1e6 / ((performance.now() - t) / 1000);
  const peak = sampler.stop();
  if (got !== GIB) throw new Error(`GET 1 GiB: ${got} bytes`);
  return [
    figure(S, "upload 1 GiB (streamed)", "MB/s", [up]),
    figure(S, "download 1 GiB via another peer", "MB/s", [down]),
    // RSS includes the LMDB file pages a peer touched (page cache, ~3/5 of the file per peer
    // with R=3 of 5); the anonymous part is what the peer itself holds, the bound that matters.
    figure(S, "peak RSS of one peer, 1 GiB transfer (with mapped LMDB pages)", "MiB", [peak.peakPerProcess / 2 ** 20]),
    withTarget(figure(S, "peak anonymous RSS of one peer, 1 GiB transfer", "MiB", [peak.peakAnonPerProcess / 2 ** 20]), "bounded: ≤ 512 MiB", (f) => f.value.median <= 512),
  ];
}
