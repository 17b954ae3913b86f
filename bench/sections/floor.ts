/**
 * Floor: the cheapest round trips this machine can do with our stack, measured in the same
 * run as everything else, so every latency figure can be read as a multiple of it.
 * A bare grpc-js unary echo and a bare connect-node request, each server in its own process.
 */
import * as grpc from "@grpc/grpc-js";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { NodeService } from "@p2p/proto/node";
import { startBenchChild } from "../lib/child.js";
import { figure, type Figure, type SectionResult } from "../lib/figures.js";
import { sequentialLatency, throughput } from "../lib/load.js";
import type { BenchOptions } from "../lib/options.js";
import { latencyPercentiles } from "../lib/stats.js";

export interface Floors {
  grpcP50?: Figure;
  connectP50?: Figure;
  connectRps?: Figure;
}

const identity = (b: Buffer) => b;

async function measure(
  name: string,
  call: (i: number) => Promise<unknown>,
  o: BenchOptions,
): Promise<{ p50: Figure; p99: Figure; rps: Figure }> {
  await sequentialLatency(call, 200); // warm-up: connections, JIT
  const p50: number[] = [];
  const p99: number[] = [];
  const rps: number[] = [];
  for (let r = 0; r < o.reps; r++) {
    const p = latencyPercentiles(await sequentialLatency(call, o.latencyCalls * 2));
    p50.push(p.p50);
    p99.push(p.p99);
    rps.push((await throughput(call, o.concurrency, o.throughputMs)).rps);
  }
  return {
    p50: figure("floor", `${name} sequential p50`, "ms", p50),
    p99: figure("floor", `${name} sequential p99`, "ms", p99),
    rps: figure("floor", `${name} at concurrency ${o.concurrency}`, "req/s", rps),
  };
}

export async function runFloor(o: BenchOptions): Promise<{ result: Omit<SectionResult, "seconds">; floors: Floors }> {
  const grpcServer = startBenchChild("floor/grpc-echo-server.ts");
  const connectServer = startBenchChild("floor/connect-echo-server.ts");
  let client: grpc.Client | undefined;
  try {
    const grpcPort = Number((await grpcServer.first).port);
    const connectPort = Number((await connectServer.first).port);
    client = new grpc.Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
    const payload = Buffer.alloc(32, 7);
    const c = client;
    const grpcCall = () =>
      new Promise<Buffer>((resolve, reject) =>
        c.makeUnaryRequest("/bench.Echo/Echo", identity, identity, payload, { deadline: Date.now() + 5000 }, (err, res) =>
          err ? reject(err) : resolve(res!),
        ),
      );
    const connect = createClient(
      NodeService,
      createConnectTransport({ baseUrl: `http://127.0.0.1:${connectPort}`, httpVersion: "1.1", useBinaryFormat: true }),
    );
    const connectCall = (i: number) => connect.get({ key: `k${i}` }, { timeoutMs: 5000 });

    const g = await measure("bare grpc-js unary", grpcCall, o);
    const cn = await measure("bare connect-node (binary, HTTP/1.1)", connectCall, o);
    return {
      result: {
        section: "floor",
        status: "ok",
        figures: [g.p50, g.p99, g.rps, cn.p50, cn.p99, cn.rps],
        notes: ["Echo servers run in child processes; the client is the bench process. Payload 32 bytes (gRPC) / a short key (Connect)."],
      },
      floors: { grpcP50: g.p50, connectP50: cn.p50, connectRps: cn.rps },
    };
  } finally {
    client?.close();
    await Promise.all([grpcServer.stop(), connectServer.stop()]);
  }
}
