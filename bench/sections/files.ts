/**
 * Files: upload and download throughput of one large file through one peer of a 5-peer
 * network (R=3), and the peak RSS of any peer during the transfers. Runs only when the peer
 * serves `PUT /files/<name>` (raw bytes) and `GET /files/<id>`; otherwise reports "not available".
 */
import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { startNetwork, type Network } from "@p2p/launcher";
import { figure, withTarget, type Figure, type SectionResult } from "../lib/figures.js";
import type { BenchOptions } from "../lib/options.js";
import { rssPeakSampler } from "../lib/proc.js";
import { gibFigures } from "./files-gib.js";

const S = "files";

interface HttpResult {
  status: number;
  body: string;
  bytes: number;
}

/** One request; the response body is kept only when `keepBody` (download counts bytes instead). */
function http(agent: Agent, url: string, method: string, body: Buffer | undefined, keepBody: boolean, timeoutMs: number): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, timeout: timeoutMs, headers: body ? { "content-type": "application/octet-stream", "content-length": body.length } : {} }, (res) => {
      let text = "";
      let bytes = 0;
      res.on("data", (c: Buffer) => {
        bytes += c.length;
        if (keepBody || res.statusCode !== 200) text += c.toString("utf8");
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, bytes }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

function fileIdOf(body: string): string {
  const json = JSON.parse(body) as Record<string, unknown>;
  const id = json.id ?? json.fileId ?? json.file_id;
  if (typeof id !== "string") throw new Error(`PUT /files answered without an id: ${body.slice(0, 200)}`);
  return id;
}

export async function runFiles(o: BenchOptions): Promise<Omit<SectionResult, "seconds">> {
  let net: Network | undefined;
  const agent = new Agent({ keepAlive: true });
  try {
    net = await startNetwork(5, { concurrency: 4 });
    const base = `http://${net.peers[1]!.httpAddress}`;
    const probe = await http(agent, `${base}/files/probe.bin`, "PUT", Buffer.from("probe"), true, 10_000);
    if (probe.status === 404 || probe.status === 405) {
      return { section: S, status: "not available: the peer does not serve PUT /files/<name> yet", figures: [], notes: [] };
    }
    if (probe.status !== 200 && probe.status !== 201) throw new Error(`PUT /files probe: HTTP ${probe.status} ${probe.body.slice(0, 200)}`);

    const data = randomBytes(o.fileBytes);
    const up: number[] = [];
    const down: number[] = [];
    const sampler = rssPeakSampler(net.peers.map((p) => p.pid));
    const reps = Math.min(o.reps, 3);
    for (let r = 0; r < reps; r++) {
      data.writeUInt32LE(r, 0); // a different file each time: no deduplication by content
      let t = performance.now();
      const res = await http(agent, `${base}/files/bench-${r}.bin`, "PUT", data, true, 600_000);
      const upSecs = (performance.now() - t) / 1000;
      if (res.status !== 200 && res.status !== 201) throw new Error(`PUT /files: HTTP ${res.status} ${res.body.slice(0, 200)}`);
      const id = fileIdOf(res.body);
      // Download through another peer, so the bytes cross the network.
      t = performance.now();
      const got = await http(agent, `http://${net.peers[3]!.httpAddress}/files/${id}`, "GET", undefined, false, 600_000);
      const downSecs = (performance.now() - t) / 1000;
      if (got.status !== 200 || got.bytes !== data.length) throw new Error(`GET /files/${id}: HTTP ${got.status}, ${got.bytes} of ${data.length} bytes`);
      up.push(data.length / 1e6 / upSecs);
      down.push(data.length / 1e6 / downSecs);
    }
    const peak = sampler.stop();
    const mib = (o.fileBytes / 2 ** 20).toFixed(0);
    const figures: Figure[] = [
      withTarget(figure(S, `upload ${mib} MiB, R=3, 5 peers`, "MB/s", up), "≥ 100 MB/s", (f) => f.value.median >= 100),
      withTarget(figure(S, `download ${mib} MiB via another peer`, "MB/s", down), "≥ 250 MB/s", (f) => f.value.median >= 250),
      figure(S, "peak RSS of one peer during transfers", "MiB", [peak.peakPerProcess / 2 ** 20]),
      figure(S, "peak RSS of all 5 peers during transfers", "MiB", [peak.peakTotal / 2 ** 20]),
    ];
    // Too slow for --quick (~20 s of transfer at target speed, more on a loaded machine).
    const notes = [`Upload through peers[1] by PUT /files/<name> (raw bytes), download through peers[3] by GET /files/<id>; ${reps} repetitions.`];
    if (!o.quick || process.env.BENCH_FILES_GIB === "1") {
      // A failed 1 GiB run is a finding, not a reason to lose the figures above.
      try {
        figures.push(...(await gibFigures(net, agent)));
      } catch (err) {
        notes.push(`1 GiB transfer failed: ${String(err).slice(0, 300)}`);
      }
    }
    return { section: S, status: "ok", figures, notes };
  } finally {
    agent.destroy();
    await net?.stop();
  }
}
