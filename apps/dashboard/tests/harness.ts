/**
 * Browser-test plumbing: the built dashboard as a `next start` child process on a free
 * 127.0.0.1 port, and Debian's Chromium driven by playwright-core with a throwaway profile.
 * Everything started here is stopped by the returned stop() (call it from `after`).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const dashboardDir = fileURLToPath(new URL("..", import.meta.url));
export const repoRoot = join(dashboardDir, "..", "..");
export const artifactsDir = join(dashboardDir, "test-results");

/** A port that was free a moment ago (bound to 0, then closed). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Polls `check` until it returns a value or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ""}`);
}

function stopChild(child: ChildProcess, timeoutMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", () => { clearTimeout(t); resolve(); });
    child.kill("SIGTERM");
  });
}

/** Newest modification time under the dashboard's sources. */
function newestSource(dir = dashboardDir): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    if ([".next", "node_modules", "test-results", "tests"].includes(name)) continue;
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestSource(p) : st.mtimeMs);
  }
  return newest;
}

/** Builds the production bundle when it is missing or older than the sources. */
export function ensureBuilt(): void {
  const buildId = join(dashboardDir, ".next", "BUILD_ID");
  if (existsSync(buildId) && statSync(buildId).mtimeMs > newestSource()) return;
  const r = spawnSync(process.execPath, [join(repoRoot, "node_modules", "next", "dist", "bin", "next"), "build", dashboardDir], {
    cwd: repoRoot, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" }, encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`next build failed:\n${r.stdout}\n${r.stderr}`);
}

export interface Dashboard { url: string; output: () => string; stop(): Promise<void> }

/** Starts the production build (`next build` must have run) with the given environment. */
export async function startDashboard(env: Record<string, string>): Promise<Dashboard> {
  if (!existsSync(join(dashboardDir, ".next", "BUILD_ID"))) throw new Error("the dashboard is not built: run `npm run build -w @p2p/dashboard` first");
  const port = await freePort();
  const nextBin = join(repoRoot, "node_modules", "next", "dist", "bin", "next");
  const child = spawn(process.execPath, [nextBin, "start", dashboardDir, "-H", "127.0.0.1", "-p", String(port)], {
    cwd: repoRoot,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (b: Buffer) => { out = (out + b.toString()).slice(-20_000); };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const dash: Dashboard = { url, output: () => out, stop: () => stopChild(child) };
  try {
    // 401: up, but asking for the login token (DASHBOARD_REQUIRE_TOKEN / off loopback).
    await waitFor("the dashboard to answer", async () => { const r = await fetch(`${url}/api/snapshot`); return r.ok || r.status === 401 || undefined; }, 30_000);
  } catch (err) {
    await dash.stop();
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  return dash;
}

export interface BrowserSession { context: BrowserContext; page: Page; stop(): Promise<void> }

/** Debian's Chromium, headless, with a fresh profile; no network beyond what the page asks for. */
export async function launchBrowser(): Promise<BrowserSession> {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const profile = await mkdtemp(join(tmpdir(), "dashboard-chromium-"));
  // A persistent context is how playwright takes a --user-data-dir of our choosing.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1440, height: 960 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context, page,
    stop: async () => {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test-results/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  // From the top: scrolled, the sticky header and sidebar are drawn where the scroll left them.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage: true });
  return path;
}
