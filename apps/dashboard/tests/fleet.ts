/**
 * A real fleet controller (apps/fleet/dist/main.js) for the browser tests, in a throwaway
 * directory, stopped (SIGTERM, then SIGKILL) by stop(). It runs the real peer binary.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Page } from "playwright-core";
import { ensureBuilt, launchBrowser, repoRoot, startDashboard, type BrowserSession, type Dashboard } from "./harness";
import { fleetClient, type FleetClient } from "../lib/clients";

export const fleetMain = join(repoRoot, "apps", "fleet", "dist", "main.js");
export const peerMain = join(repoRoot, "apps", "peer", "dist", "main.js");

export interface Fleet { url: string; token: string; dir: string; output: () => string; stop(): Promise<void> }

/**
 * Starts the controller with `peers` peers and waits for its "fleet ready" line. Peers repair
 * every `repairIntervalMs` (default 1 s); a test that must observe the degraded state before
 * repair sets it long and triggers repair itself (NodeService.Repair). `flags` are more
 * controller flags, e.g. peer defaults (`--rpc-timeout-ms 400`).
 */
export async function startFleet(peers: number, timeoutMs = 60_000, repairIntervalMs = 1000, flags: readonly string[] = []): Promise<Fleet> {
  const dir = await mkdtemp(join(tmpdir(), "dashboard-fleet-"));
  const child = spawn(process.execPath, [fleetMain, "--peers", String(peers), "--port", "0", "--dir", dir, "--parent-pid", String(process.pid), "--repair-interval-ms", String(repairIntervalMs), ...flags], {
    cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stderr!.on("data", (b: Buffer) => { out = (out + b.toString()).slice(-20_000); });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => child.kill("SIGKILL"), 20_000);
        child.once("exit", () => { clearTimeout(t); resolve(); });
        child.kill("SIGTERM");
      });
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`fleet not ready after ${timeoutMs} ms`)), timeoutMs);
      child.once("exit", (code, sig) => { clearTimeout(t); reject(new Error(`fleet exited (${sig ?? `code ${code}`})`)); });
      createInterface({ input: child.stdout! }).on("line", (line) => {
        out = (out + line + "\n").slice(-20_000);
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === "fleet ready" && entry.url) { clearTimeout(t); resolve(entry.url); }
        } catch {
          // not JSON (e.g. the one-time token notice)
        }
      });
    });
    const token = await readFile(join(dir, "token"), "utf8").then((s) => s.trim(), () => "");
    return { url, token, dir, output: () => out, stop };
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${out}`);
  }
}

/** True when the binaries the browser tests need are built. */
export function fleetBuilt(): boolean {
  return existsSync(fleetMain) && existsSync(peerMain);
}

/** What a browser test of the fleet runs against: the fleet, the dashboard on it, a browser page and a FleetService client. */
export interface FleetStack {
  fleet: Fleet;
  dash: Dashboard;
  browser: BrowserSession;
  page: Page;
  api: FleetClient;
  /** The peers' names in numeric order (peer-0, peer-1, …). */
  names: string[];
  /** Stops the browser, the dashboard and the fleet, in that order. */
  stop(): Promise<void>;
}

/** Builds the dashboard if needed and starts a fleet of `peers` (more controller `flags`), the dashboard and a browser; on a failed start, stops what did start. */
export async function startFleetStack(peers: number, flags: readonly string[] = []): Promise<FleetStack> {
  ensureBuilt();
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop();
  };
  try {
    const fleet = await startFleet(peers, 60_000, 1000, flags);
    started.push(fleet);
    const api = fleetClient(fleet.url, fleet.token);
    const names = (await api.listPeers({})).peers.map((p) => p.name).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    const dash = await startDashboard({ FLEET_URL: fleet.url, FLEET_TOKEN: fleet.token });
    started.push(dash);
    const browser = await launchBrowser();
    started.push(browser);
    browser.page.setDefaultTimeout(30_000);
    return { fleet, dash, browser, page: browser.page, api, names, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
