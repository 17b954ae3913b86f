/**
 * One fuzz run against a small network of real peers: store known keys and a file, send random
 * and mutated requests of every kind (request-kinds.ts) from several workers for a while, then
 * check that every peer is alive, answers Info within its deadline, and still serves every
 * known key and the file unchanged. Findings: crashes (a peer process exited), hangs (a request
 * not answered within the deadline), and keys or files changed.
 */
import { createHash, randomBytes } from "node:crypto";
import { startNetwork, waitForFullTables, nodeClient, type Network } from "@p2p/launcher";
import { Prng } from "../chaos/prng.js";
import { REQUEST_KINDS, type FuzzTarget, type RequestKindName } from "./request-kinds.js";
import { RawGrpc } from "./wire.js";
import { peerClientCredentials } from "@p2p/peer";

export interface FuzzOptions {
  seconds: number;
  peers: number;
  seed: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** A request not answered within this is a hang. */
  deadlineMs: number;
  /** Peer entry point (default: the launcher's). */
  peerMain?: string;
  /** Progress lines (the CLI prints them). */
  onProgress?: (line: string) => void;
}

export interface FuzzReport {
  seed: number;
  seconds: number;
  peers: number;
  /** Requests sent, by kind. */
  sent: Record<string, number>;
  /** How they ended, by kind: "answered 400", "transport ECONNRESET", "abandoned", "hang". */
  endings: Record<string, Record<string, number>>;
  crashes: string[];
  hangs: string[];
  /** Known keys or the file that changed or could not be read afterwards, with the reason. */
  damaged: string[];
  /** Peers that did not answer Info within the deadline afterwards. */
  unresponsive: string[];
  /**
   * Distinct messages of answers that blamed the server (HTTP 5xx, gRPC INTERNAL or UNKNOWN) for
   * what was the client's bad input, with a count: not a crash, but bad input should get an error
   * that names the problem.
   */
  serverBlamed: Record<string, number>;
}

export const fuzzFindings = (r: FuzzReport) => r.crashes.length + r.hangs.length + r.damaged.length + r.unresponsive.length;

const KNOWN_KEYS = 20;
const KNOWN_PREFIX = "fuzz-known/";

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = { seed: o.seed, seconds: o.seconds, peers: o.peers, sent: {}, endings: {}, crashes: [], hangs: [], damaged: [], unresponsive: [], serverBlamed: {} };
  const net: Network = await startNetwork(o.peers, { peer: { ...(o.peerMain ? { peerMain: o.peerMain } : {}), args: ["--log-level", "warn"] } });
  const targets: FuzzTarget[] = net.peers.map((p) => ({ httpAddress: p.httpAddress!, grpc: new RawGrpc(p.grpcAddress!, peerClientCredentials()) }));
  let stopping = false;
  try {
    for (const p of net.peers) {
      void p.exited.then((exit) => {
        if (!stopping) report.crashes.push(`${p.httpAddress}: exited (${exit.signal ?? `code ${exit.code}`}); last lines:\n    ${p.logs(5).join("\n    ")}`);
      });
    }
    await waitForFullTables(targets.map((t) => t.httpAddress));
    const known = await storeKnownData(targets);
    o.onProgress?.(`stored ${KNOWN_KEYS} keys and a ${known.file.bytes.length}-byte file; fuzzing for ${o.seconds} s`);

    const kinds = Object.keys(REQUEST_KINDS) as RequestKindName[];
    const endAt = Date.now() + o.seconds * 1000;
    const worker = async (w: number) => {
      const rng = new Prng((o.seed * 7919 + w) >>> 0);
      while (Date.now() < endAt && !report.crashes.length) {
        const kind = rng.pick(kinds);
        const target = rng.pick(targets);
        report.sent[kind] = (report.sent[kind] ?? 0) + 1;
        const ending = await REQUEST_KINDS[kind](rng, target, o.deadlineMs);
        const label = ending.t === "answered" ? `answered ${ending.status}` : ending.t === "transport" ? `transport ${ending.error}` : ending.t;
        const byKind = (report.endings[kind] ??= {});
        byKind[label] = (byKind[label] ?? 0) + 1;
        if (ending.t === "hang" && report.hangs.length < 50) report.hangs.push(`${kind} to ${target.httpAddress}`);
        if (ending.t === "answered" && ending.detail !== undefined) {
          // "<method> <path> <message>": numbers and IDs in the message vary, the path does not.
          const [, where = "", message = ""] = /^((?:[A-Z]+ )?\S+ )?(.*)$/s.exec(ending.detail) ?? [];
          const key = `${kind} ${ending.status}: ${where}${message.replace(/[0-9a-f]{16,}/g, "…").replace(/\d+/g, "N")}`;
          if (key in report.serverBlamed || Object.keys(report.serverBlamed).length < 100) report.serverBlamed[key] = (report.serverBlamed[key] ?? 0) + 1;
        }
      }
    };
    const progress = setInterval(() => {
      const total = Object.values(report.sent).reduce((a, b) => a + b, 0);
      o.onProgress?.(`${total} requests, ${report.hangs.length} hangs, ${report.crashes.length} crashes`);
    }, 5000);
    try {
      await Promise.all(Array.from({ length: o.concurrency }, (_, w) => worker(w)));
    } finally {
      clearInterval(progress);
    }
    await checkAfterwards(targets, known, o.deadlineMs, report);
    return report;
  } finally {
    stopping = true;
    for (const t of targets) t.grpc.close();
    await net.stop();
  }
}

interface KnownData {
  keys: Map<string, string>;
  file: { id: string; bytes: Buffer };
}

async function storeKnownData(targets: FuzzTarget[]): Promise<KnownData> {
  const keys = new Map<string, string>();
  for (let i = 0; i < KNOWN_KEYS; i++) {
    const key = `${KNOWN_PREFIX}${i}`;
    const value = randomBytes(24).toString("base64");
    await nodeClient(targets[i % targets.length]!.httpAddress).put({ key, value });
    keys.set(key, value);
  }
  const bytes = randomBytes(2_500_000); // three chunks
  const res = await fetch(`http://${targets[0]!.httpAddress}/files/known.bin`, { method: "PUT", body: bytes, signal: AbortSignal.timeout(60_000) });
  if (res.status !== 201) throw new Error(`storing the known file: HTTP ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  return { keys, file: { id, bytes } };
}

async function checkAfterwards(targets: FuzzTarget[], known: KnownData, deadlineMs: number, report: FuzzReport): Promise<void> {
  for (const t of targets) {
    try {
      await nodeClient(t.httpAddress, { timeoutMs: deadlineMs }).info({});
    } catch (err) {
      report.unresponsive.push(`${t.httpAddress}: ${(err as Error).message}`);
    }
  }
  const wanted = createHash("sha256").update(known.file.bytes).digest("hex");
  for (const t of targets) {
    const client = nodeClient(t.httpAddress, { timeoutMs: deadlineMs });
    for (const [key, value] of known.keys) {
      try {
        const got = await client.get({ key });
        if (got.value !== value) report.damaged.push(`${key} via ${t.httpAddress}: "${got.value.slice(0, 40)}", not the value stored`);
      } catch (err) {
        report.damaged.push(`${key} via ${t.httpAddress}: ${(err as Error).message}`);
      }
    }
    try {
      const res = await fetch(`http://${t.httpAddress}/files/${known.file.id}`, { signal: AbortSignal.timeout(deadlineMs * 3) });
      const body = Buffer.from(await res.arrayBuffer());
      const hash = createHash("sha256").update(body).digest("hex");
      if (res.status !== 200 || hash !== wanted) report.damaged.push(`file ${known.file.id.slice(0, 12)} via ${t.httpAddress}: HTTP ${res.status}, ${body.length} bytes${hash === wanted ? "" : ", content differs"}`);
    } catch (err) {
      report.damaged.push(`file ${known.file.id.slice(0, 12)} via ${t.httpAddress}: ${(err as Error).message}`);
    }
  }
}

/** The report as text: requests by kind, how they ended, and each finding. */
export function formatFuzzReport(r: FuzzReport): string {
  const total = Object.values(r.sent).reduce((a, b) => a + b, 0);
  const lines = [`fuzz: seed ${r.seed}, ${r.seconds} s, ${r.peers} peers, ${total} requests`];
  for (const [kind, n] of Object.entries(r.sent).sort()) {
    const endings = Object.entries(r.endings[kind] ?? {}).sort((a, b) => b[1] - a[1]).map(([e, c]) => `${e} ×${c}`).join(", ");
    lines.push(`  ${kind.padEnd(15)} ${String(n).padStart(7)}  ${endings}`);
  }
  const section = (title: string, items: string[]) => (items.length ? [`${title} (${items.length}):`, ...items.slice(0, 20).map((i) => `  ${i}`)] : [`${title}: none`]);
  const blamed = Object.entries(r.serverBlamed).sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m} ×${n}`);
  lines.push(...section("server errors for bad input (not counted as findings)", blamed));
  lines.push(...section("crashes", r.crashes), ...section("hangs", r.hangs), ...section("unresponsive afterwards", r.unresponsive), ...section("known data changed", r.damaged));
  lines.push(fuzzFindings(r) ? "verdict: FINDINGS" : "verdict: clean (0 crashes, 0 hangs, every peer answers, every known key and the file intact)");
  return lines.join("\n");
}
