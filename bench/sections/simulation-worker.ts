/**
 * One simulation size in its own process (run with --expose-gc so memory per node is measured
 * after a collection, and with a heap limit sized for it). Prints the SimulationReport as one JSON line.
 */
import { parseArgs } from "node:util";
import { runSimulation } from "@p2p/dht";
import { exitWithParent } from "../lib/child.js";

exitWithParent();
const { values } = parseArgs({
  options: {
    nodes: { type: "string" },
    seed: { type: "string", default: "1" },
    lookups: { type: "string", default: "1000" },
    records: { type: "string", default: "1000" },
    "replication-factor": { type: "string", default: "3" },
    "write-quorum": { type: "string", default: "2" },
    "parent-pid": { type: "string" },
  },
});
const nodes = Number(values.nodes);
if (!Number.isInteger(nodes) || nodes < 2) {
  console.error(`--nodes: expected an integer ≥ 2, got ${values.nodes}`);
  process.exit(2);
}
const replicationFactor = Number(values["replication-factor"]);
const writeQuorum = Number(values["write-quorum"]);
const report = await runSimulation({
  nodes,
  seed: values.seed!,
  lookups: Number(values.lookups),
  records: Number(values.records),
  replication: { replicationFactor, writeQuorum, readQuorum: 2 },
});
console.log(JSON.stringify({ report, rssBytes: process.memoryUsage().rss }));
process.exit(0);
