/**
 * `npm run bench [-- --quick] [-- --only floor,records,...]`: measures the whole system the
 * same way every time and writes bench/results/<timestamp>.json and .md, plus latest.md.
 * Sections: floor, records, batch, hedge, tracing, security, files, fleet, churn, chaos, hosts, simulation, wan-simulation. Every
 * process it starts is stopped in a finally block (peers also exit with their parent through
 * --parent-pid).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { SectionResult } from "./lib/figures.js";
import { loadAverage, machineFacts } from "./lib/machine.js";
import { benchOptions } from "./lib/options.js";
import { renderMarkdown, type BenchRun } from "./lib/report.js";
import { runBatch } from "./sections/batch.js";
import { runChaos } from "./sections/chaos.js";
import { runHedge } from "./sections/hedge.js";
import { runChurn } from "./sections/churn.js";
import { runFiles } from "./sections/files.js";
import { runFleet } from "./sections/fleet.js";
import { runFloor, type Floors } from "./sections/floor.js";
import { runHosts } from "./sections/hosts.js";
import { runRecords } from "./sections/records.js";
import { runSimulationSection } from "./sections/simulation.js";
import { runSecurity } from "./sections/security.js";
import { runTracing } from "./sections/tracing.js";
import { runWanSimulationSection } from "./sections/wan-simulation.js";

const SECTIONS = ["floor", "records", "batch", "hedge", "tracing", "security", "files", "fleet", "churn", "chaos", "hosts", "simulation", "wan-simulation"] as const;
type Section = (typeof SECTIONS)[number];

function parseCli(): { quick: boolean; sim100k: boolean; only: Section[]; outDir: string } {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      out: { type: "string" },
      "sim-100k": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(`usage: npm run bench -- [--quick] [--only ${SECTIONS.join(",")}] [--out <dir>] [--sim-100k]`);
    process.exit(0);
  }
  const only = values.only ? values.only.split(",").map((s) => s.trim()) : [...SECTIONS];
  for (const s of only) {
    if (!SECTIONS.includes(s as Section)) {
      console.error(`--only: unknown section "${s}" (known: ${SECTIONS.join(", ")})`);
      process.exit(2);
    }
  }
  return {
    quick: values.quick!,
    sim100k: values["sim-100k"]!,
    only: only as Section[],
    outDir: values.out ?? fileURLToPath(new URL("./results/", import.meta.url)),
  };
}

async function main(): Promise<void> {
  const cli = parseCli();
  const o = benchOptions(cli.quick, cli.sim100k);
  const startedAt = new Date();
  const machine = machineFacts();
  const loadBefore = loadAverage();
  console.error(`bench: ${cli.quick ? "quick" : "full"} run of ${cli.only.join(", ")} at ${machine.commit}, load ${loadBefore.map((l) => l.toFixed(2)).join(" ")}`);

  const results: SectionResult[] = [];
  let floors: Floors = {};
  const run = async (section: Section, fn: () => Promise<Omit<SectionResult, "seconds">>) => {
    if (!cli.only.includes(section)) return;
    const t = Date.now();
    console.error(`bench: ${section}…`);
    let r: Omit<SectionResult, "seconds">;
    try {
      r = await fn();
    } catch (err) {
      r = { section, status: `failed: ${(err as Error).message.split("\n")[0]}`, figures: [], notes: [] };
      console.error(err);
    }
    const result = { ...r, seconds: (Date.now() - t) / 1000 };
    results.push(result);
    console.error(`bench: ${section} ${result.status} in ${result.seconds.toFixed(0)} s`);
    for (const f of result.figures) {
      const tgt = f.target ? `  [${f.target.text}: ${f.target.pass ? "pass" : "short"}]` : "";
      const ratio = f.floorRatio === undefined ? "" : `  (${f.floorRatio.toFixed(2)}× floor)`;
      console.error(`  ${f.name}: ${f.value.median.toFixed(3)} ${f.unit}${ratio}${tgt}`);
    }
  };

  await run("floor", async () => {
    const { result, floors: f } = await runFloor(o);
    floors = f;
    return result;
  });
  await run("records", () => runRecords(o, floors));
  await run("batch", () => runBatch(o));
  await run("hedge", () => runHedge(o));
  await run("tracing", () => runTracing(o));
  await run("security", () => runSecurity(o));
  await run("files", () => runFiles(o));
  await run("fleet", () => runFleet(o));
  await run("churn", () => runChurn(o));
  await run("chaos", () => runChaos(o));
  await run("hosts", () => runHosts(o, floors));
  await run("simulation", () => runSimulationSection(o));
  await run("wan-simulation", () => runWanSimulationSection(o));

  const report: BenchRun = {
    startedAt: startedAt.toISOString(),
    mode: cli.quick ? "quick" : "full",
    sections: cli.only,
    machine,
    loadBefore,
    loadAfter: loadAverage(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    results,
  };
  mkdirSync(cli.outDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  const md = renderMarkdown(report);
  writeFileSync(`${cli.outDir}/${stamp}.json`, JSON.stringify(report, null, 2));
  writeFileSync(`${cli.outDir}/${stamp}.md`, md);
  writeFileSync(`${cli.outDir}/latest.md`, md);
  console.log(md);
  console.error(`bench: wrote ${cli.outDir}${stamp}.json and .md in ${report.durationSeconds.toFixed(0)} s`);
}

await main();
// Clients (grpc channels, keep-alive agents) may hold handles; everything we started is stopped.
process.exit(0);
