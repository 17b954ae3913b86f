#!/usr/bin/env node
// `npm start`: a local network in one command. Starts the fleet controller with a default fleet
// of 5 peers (flags after `--` go to the controller, e.g. `npm start -- --peers 10`) and, when
// the dashboard has a production build (apps/dashboard/.next/BUILD_ID), the dashboard on
// 127.0.0.1:3000 (DASHBOARD_HOST / DASHBOARD_PORT to change), then prints the URLs.
// Ctrl-C stops both; the peers stop with the controller. Builds nothing: the npm script does.
// Once the fleet is up it prints a table of the peers (name, short ID, HTTP URL, gRPC address):
// peer-N listens on 8001+N and 9001+N unless a port is taken (the controller then says which).
// `--no-dashboard` starts the fleet alone.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const fleetMain = join(root, "apps/fleet/dist/main.js");
const dashboardDir = join(root, "apps/dashboard");
const dashboardHost = process.env.DASHBOARD_HOST || "127.0.0.1";
const dashboardPort = process.env.DASHBOARD_PORT || "3000";

if (!existsSync(fleetMain)) {
  console.error(`start-local: ${fleetMain} is missing; run "npm start" (it builds first) or "npm run build"`);
  process.exit(1);
}

const noDashboard = process.argv.includes("--no-dashboard");
const userArgs = process.argv.slice(2).filter((a) => a !== "--no-dashboard");
const has = (flag) => userArgs.includes(flag);
const fleetArgs = [
  ...(has("--peers") ? [] : ["--peers", "5"]),
  ...(has("--port") ? [] : ["--port", "7000"]),
  ...(has("--dir") ? [] : ["--dir", ".fleet"]),
  // A local demo fleet heals within seconds of a kill (the peers' default is 30 s).
  ...(has("--repair-interval-ms") ? [] : ["--repair-interval-ms", "3000"]),
  ...userArgs,
  "--parent-pid", String(process.pid),
];

/** @type {Map<string, import("node:child_process").ChildProcess>} */
const children = new Map();
let stopping = false;

function stopAll(code) {
  if (stopping) return;
  stopping = true;
  console.log("start-local: stopping…");
  for (const child of children.values()) child.kill("SIGTERM");
  const done = () => {
    if ([...children.values()].every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(code);
  };
  for (const child of children.values()) child.once("exit", done);
  done();
}
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

const fleet = spawn(process.execPath, [fleetMain, ...fleetArgs], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
children.set("fleet", fleet);
fleet.on("exit", (code, signal) => {
  if (!stopping) {
    console.error(`start-local: the fleet controller exited (${signal ?? `code ${code}`})`);
    stopAll(code || 1);
  }
});

// The controller logs pino JSON: show warnings and errors, and act on its "fleet ready" line.
createInterface({ input: fleet.stdout }).on("line", (line) => {
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    console.log(line);
    return;
  }
  if (entry.msg === "fleet ready") void onFleetReady(entry);
  else if (entry.level >= 40) console.error(`fleet: ${entry.msg}${entry.peer ? ` (${entry.peer})` : ""}${entry.err ? `: ${entry.err}` : ""}`);
});

/** The peers as a table; the first running peer's URL is where the README's curl lines go. */
async function printPeerTable(fleetUrl, token) {
  let peers;
  try {
    const res = await fetch(`${fleetUrl}/p2p.v1.FleetService/ListPeers`, {
      method: "POST",
      // Off loopback the controller needs its token on every call.
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: "{}",
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    peers = (await res.json()).peers ?? [];
  } catch (err) {
    console.error(`start-local: could not list the peers (${err.message}); ask the controller: ${fleetUrl}/p2p.v1.FleetService/ListPeers`);
    return;
  }
  const rows = [["PEER", "ID", "HTTP", "gRPC", "STATE"]];
  for (const p of peers) {
    rows.push([p.name, (p.id ?? "").slice(0, 12) || "-", p.httpAddress ? `http://${p.httpAddress}` : "-", p.grpcAddress || "-", (p.state ?? "").replace(/^PEER_STATE_/, "").toLowerCase()]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log("");
  for (const r of rows) console.log(`  ${r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()}`);
  console.log("");
  const first = peers.find((p) => p.httpAddress);
  if (first) console.log(`  try: curl -s -H 'Content-Type: application/json' -d '{"key":"greeting","value":"hello"}' http://${first.httpAddress}/p2p.v1.NodeService/Put`);
}

async function onFleetReady(entry) {
  console.log(`Fleet API:  ${entry.url}  (${entry.running}/${entry.peers} peers running, directory ${entry.dir})`);
  let token = "";
  try {
    token = readFileSync(join(entry.dir, "token"), "utf8").trim();
  } catch {
    // No token file: calls go without one (fine on loopback).
  }
  await printPeerTable(entry.url, token);
  if (noDashboard) {
    console.log("Ctrl-C stops everything.");
    return;
  }
  if (!existsSync(join(dashboardDir, ".next", "BUILD_ID"))) {
    console.log("Dashboard:  no production build (apps/dashboard/.next/BUILD_ID missing); the fleet runs without it");
    return;
  }
  let nextBin;
  try {
    nextBin = createRequire(join(dashboardDir, "package.json")).resolve("next/dist/bin/next");
  } catch {
    console.error("start-local: the dashboard is built but the next package is not installed; skipping it");
    return;
  }
  const dashboard = spawn(process.execPath, [nextBin, "start", "-H", dashboardHost, "-p", dashboardPort], {
    cwd: dashboardDir,
    stdio: ["ignore", "inherit", "inherit"],
    // The token goes to the dashboard's server side only (never a NEXT_PUBLIC_ variable).
    env: { ...process.env, FLEET_URL: entry.url, FLEET_TOKEN: token, NEXT_TELEMETRY_DISABLED: "1" },
  });
  children.set("dashboard", dashboard);
  dashboard.on("exit", (code, signal) => {
    if (!stopping) console.error(`start-local: the dashboard exited (${signal ?? `code ${code}`}); the fleet keeps running`);
  });
  console.log(`Dashboard:  http://${dashboardHost}:${dashboardPort}`);
  console.log("Ctrl-C stops everything.");
}
