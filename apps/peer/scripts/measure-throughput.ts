/**
 * Upload and download MB/s of one file through a 5-peer network with R=3, and the peak RSS
 * (VmHWM) of the peer that served the transfers. Not a test: run by hand, numbers vary with load.
 *   npm run build && node --conditions=source --import tsx apps/peer/src/files/measure-throughput.ts [MiB=100] [peers=5]
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNetwork } from "@p2p/launcher";

const MiB = 1 << 20;
const sizeMiB = Number(process.argv[2] ?? 100);
const peers = Number(process.argv[3] ?? 5);

async function statusKiB(pid: number, field: "VmHWM" | "RssAnon"): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
}

/**
 * Peak anonymous RSS (heap, buffers) sampled every 100 ms: VmHWM also counts the LMDB file
 * pages a peer touches while storing chunks (memory-mapped), which the OS can drop at will.
 */
function sampleAnonPeak(pids: number[]): { stop(): Record<number, number> } {
  const peak: Record<number, number> = {};
  const timer = setInterval(() => {
    for (const pid of pids) void statusKiB(pid, "RssAnon").then((k) => (peak[pid] = Math.max(peak[pid] ?? 0, k)), () => {});
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

const dir = await mkdtemp(join(tmpdir(), "p2p-files-bench-"));
const path = join(dir, "file.bin");
const hash = createHash("sha256");
const fh = await open(path, "w");
for (let i = 0; i < sizeMiB; i++) {
  const block = randomBytes(MiB);
  hash.update(block);
  await fh.write(block);
}
await fh.close();
const expected = hash.digest("hex");

const net = await startNetwork(peers, { peer: { args: ["--replication-factor", "3", "--write-quorum", "2"] } });
try {
  const up = net.peers[0]!;
  const down = net.peers[peers - 1]!;
  const sampler = sampleAnonPeak([up.pid, down.pid]);
  const t0 = performance.now();
  const body = await new Promise<string>((resolve, reject) => {
    const req = http.request(`http://${up.httpAddress}/files/file.bin`, { method: "PUT" }, (res) => {
      let b = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (b += d));
      res.on("end", () => (res.statusCode === 201 ? resolve(b) : reject(new Error(`upload: ${res.statusCode} ${b}`))));
    });
    req.on("error", reject);
    createReadStream(path).pipe(req);
  });
  const upSeconds = (performance.now() - t0) / 1000;
  const { id } = JSON.parse(body) as { id: string };

  const t1 = performance.now();
  const res = await fetch(`http://${down.httpAddress}/files/${id}`);
  const h = createHash("sha256");
  for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) h.update(part);
  const downSeconds = (performance.now() - t1) / 1000;
  if (h.digest("hex") !== expected) throw new Error("downloaded bytes differ");

  const anon = sampler.stop();
  const mib = (kib: number | undefined) => +((kib ?? NaN) / 1024).toFixed(0);
  const result = {
    fileMiB: sizeMiB,
    peers,
    replicationFactor: 3,
    uploadMBps: +((sizeMiB * MiB) / 1e6 / upSeconds).toFixed(1),
    downloadMBps: +((sizeMiB * MiB) / 1e6 / downSeconds).toFixed(1),
    uploadPeerVmHwmMiB: mib(await statusKiB(up.pid, "VmHWM")),
    uploadPeerPeakRssAnonMiB: mib(anon[up.pid]),
    downloadPeerVmHwmMiB: mib(await statusKiB(down.pid, "VmHWM")),
    downloadPeerPeakRssAnonMiB: mib(anon[down.pid]),
  };
  console.log(JSON.stringify(result));
} finally {
  await net.stop();
  await rm(dir, { recursive: true, force: true });
}
