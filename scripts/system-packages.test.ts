// `npm test` on a machine without what the tests need stops at once, with one line that says
// what to run: checked by running the real test command with a PATH that has no curl.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Runs `node scripts/test.js readme` with only `programs` on PATH, as `uid`. */
function testCommandWith(programs: string[], uid?: number) {
  const bin = mkdtempSync(join(tmpdir(), "path-"));
  chmodSync(bin, 0o755); // the other user must see it
  try {
    for (const p of programs) {
      const found = spawnSync("sh", ["-c", `command -v ${p}`], { encoding: "utf8" }).stdout.trim();
      if (found) symlinkSync(found, join(bin, p));
    }
    return spawnSync(process.execPath, [join(root, "scripts/test.js"), "readme"], {
      cwd: root,
      encoding: "utf8",
      timeout: 30_000,
      env: { PATH: bin, HOME: tmpdir() },
      ...(uid !== undefined ? { uid, gid: uid } : {}),
    });
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

const isRoot = process.getuid?.() === 0;

test("without curl and not root: one line naming the command, exit 1, nothing built or run", { skip: !isRoot && "needs root to run the check as another user" }, () => {
  const r = testCommandWith(["sh", "apt-get"], 65534);
  assert.equal(r.status, 1, r.stderr);
  assert.deepEqual(r.stderr.trim().split("\n"), ["npm test needs curl (not root, so not installed for you): run `sudo apt-get install -y curl`, then npm test again"]);
  assert.equal(r.stdout, "");
});

test("as root without apt-get: one line naming what to install", { skip: !isRoot && "needs root" }, () => {
  const r = testCommandWith(["sh"]);
  assert.equal(r.status, 1, r.stderr);
  assert.deepEqual(r.stderr.trim().split("\n"), ["npm test needs curl (no apt-get here): run `install curl with your package manager`, then npm test again"]);
});

test("a CHROMIUM_PATH that is not a browser is named, not installed over", () => {
  const r = spawnSync(process.execPath, ["-e", "import('./scripts/system-packages.js').then((m) => m.ensureSystemPackages({ browser: true, curl: false }))"], {
    cwd: root,
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, CHROMIUM_PATH: "/nonexistent/chromium" },
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr.trim(), /^npm test needs Chromium: CHROMIUM_PATH=\/nonexistent\/chromium is not an executable; point it at a Chromium binary or unset it$/);
});
