#!/usr/bin/env node
// Runs every *.test.ts with node's built-in test runner (Node 20's --test does not expand
// globs, so this script lists the files). Unit tests run from source through tsx with the
// "source" export condition; integration tests spawn the built peer, so we build first.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ensureSystemPackages } from "./system-packages.js";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const unitOnly = args.includes("--unit");
const filters = args.filter((a) => !a.startsWith("--"));

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name === ".next" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith(".test.ts")) out.push(relative(root, path));
  }
  return out;
}

function run(cmd, cmdArgs, env = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

let files = ["packages", "apps", "deploy", "scripts"].flatMap((d) => findTests(join(root, d))).sort();
if (unitOnly) files = files.filter((f) => !f.includes(".integration.") && !f.includes(".browser."));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));

/** Fails when packages/proto/gen is not what `npm run generate` makes of proto/ today. */
function checkGeneratedCode() {
  const out = mkdtempSync(join(tmpdir(), "p2p-gen-"));
  try {
    run("npx", ["buf", "generate", "--output", out]);
    const fresh = join(out, "packages/proto/gen/p2p/v1");
    const committed = join(root, "packages/proto/gen/p2p/v1");
    const names = new Set([...readdirSync(fresh), ...readdirSync(committed)]);
    const stale = [...names].filter((n) => {
      try {
        return !readFileSync(join(fresh, n)).equals(readFileSync(join(committed, n)));
      } catch {
        return true;
      }
    });
    if (stale.length) {
      console.error(`packages/proto/gen is stale (${stale.join(", ")}): run npm run generate`);
      process.exit(1);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

// Before any build: a machine without Chromium or curl learns it now, not halfway through.
ensureSystemPackages({
  browser: files.some((f) => f.includes(".browser.")),
  curl: files.some((f) => f.startsWith("scripts/readme.")),
});

if (!unitOnly && !filters.length) {
  run("npx", ["buf", "lint"]);
  checkGeneratedCode();
  run("npx", ["tsc", "-p", "tsconfig.json", "--noEmit"]);
}
// The same build as `npm start`'s (tsc, bin modes, the peer bundle the launcher starts).
run("npm", ["run", "--silent", "build:core"]);
// Browser tests drive the dashboard's production build.
if (files.some((f) => f.includes(".browser."))) run("npm", ["run", "build", "-w", "@p2p/dashboard"]);
run(process.execPath, [
  "--conditions=source",
  "--import", "tsx",
  "--test",
  "--test-concurrency=1",
  ...files,
], { NEXT_TELEMETRY_DISABLED: "1" });
