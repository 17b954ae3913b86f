// The system programs `npm test` needs beyond Node: Chromium for the browser tests (playwright
// cannot download its own browser here; we drive Debian's) and curl for the README test. Checked
// before anything is built, so a machine without them learns it at once: as root on Debian the
// missing packages are installed the way .ci/run does; anywhere else the run stops with one line
// saying exactly what to run.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";

const isExecutable = (path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const onPath = (program) => spawnSync("sh", ["-c", `command -v ${program}`], { stdio: "ignore" }).status === 0;

/** Where the browser tests look for Chromium (apps/dashboard/tests/harness.ts reads the same). */
export const chromiumPath = () => process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * The Debian packages missing for these tests: `browser` when browser tests run, `curl` when
 * the README test runs.
 */
export function missingPackages({ browser, curl }) {
  const missing = [];
  if (browser && !isExecutable(chromiumPath())) missing.push("chromium");
  if (curl && !onPath("curl")) missing.push("curl");
  return missing;
}

/** Installs what is missing, or exits 1 with one line naming the command to run. */
export function ensureSystemPackages(needs) {
  const missing = missingPackages(needs);
  if (!missing.length) return;
  const custom = process.env.CHROMIUM_PATH && missing.includes("chromium");
  const isRoot = process.getuid?.() === 0;
  if (isRoot && !custom && onPath("apt-get")) {
    console.log(`test: installing ${missing.join(" ")} (Debian packages the tests need)`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    const install = update.status === 0 && spawnSync("apt-get", ["install", "-y", "-qq", ...missing], { stdio: ["ignore", "ignore", "inherit"], env });
    if (install && install.status === 0 && !missingPackages(needs).length) return;
    fail(missing, "apt-get could not install them");
  }
  if (custom) {
    console.error(`npm test needs Chromium: CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not an executable; point it at a Chromium binary or unset it`);
    process.exit(1);
  }
  fail(missing, isRoot ? "no apt-get here" : "not root, so not installed for you");
}

function fail(missing, why) {
  const what = missing.join(" ");
  const how = onPath("apt-get")
    ? `sudo apt-get install -y ${what}`
    : `install ${what} with your package manager${missing.includes("chromium") ? " and set CHROMIUM_PATH to the browser binary" : ""}`;
  console.error(`npm test needs ${what} (${why}): run \`${how}\`, then npm test again`);
  process.exit(1);
}
