/**
 * The WAN simulation at one size in its own process (a heap limit sized for it, and a size that
 * does not fit cannot take the bench down). Prints the WanSimulationReport as one JSON line.
 */
import { parseArgs } from "node:util";
import { runWanSimulation } from "@p2p/dht";
import { exitWithParent } from "../lib/child.js";

exitWithParent();
const { values } = parseArgs({
  options: {
    nodes: { type: "string" },
    seed: { type: "string", default: "1" },
    lookups: { type: "string", default: "1000" },
    records: { type: "string", default: "1000" },
    loss: { type: "string", default: "0,0.01,0.05" },
    "rtt-median-ms": { type: "string", default: "80" },
    "rtt-p99-ms": { type: "string", default: "300" },
    "lookup-rpc-timeout-ms": { type: "string" },
    "replica-rpc-timeout-ms": { type: "string" },
    "parent-pid": { type: "string" },
  },
});
const nodes = Number(values.nodes);
if (!Number.isInteger(nodes) || nodes < 2) {
  console.error(`--nodes: expected an integer ≥ 2, got ${values.nodes}`);
  process.exit(2);
}
const lookupTimeout = values["lookup-rpc-timeout-ms"];
const replicaTimeout = values["replica-rpc-timeout-ms"];
const report = await runWanSimulation({
  nodes,
  seed: values.seed!,
  lookups: Number(values.lookups),
  records: Number(values.records),
  lossRates: values.loss!.split(",").map(Number),
  rttMedianMs: Number(values["rtt-median-ms"]),
  rttP99Ms: Number(values["rtt-p99-ms"]),
  ...(lookupTimeout ? { kademlia: { rpcTimeoutMs: Number(lookupTimeout) } } : {}),
  ...(replicaTimeout ? { replication: { rpcTimeoutMs: Number(replicaTimeout) } } : {}),
});
console.log(JSON.stringify({ report, rssBytes: process.memoryUsage().rss }));
process.exit(0);
