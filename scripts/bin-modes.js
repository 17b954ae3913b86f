#!/usr/bin/env node
// After a build: makes every workspace's `bin` targets executable. tsc writes new files
// without the execute bit, and npm sets it only when it links a bin whose file already exists
// (on a fresh clone the dist files come later), so `npx p2p` would fail with "permission denied".
import { chmodSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
for (const group of ["apps", "packages"]) {
  for (const name of readdirSync(join(root, group))) {
    const dir = join(root, group, name);
    const manifest = join(dir, "package.json");
    if (!existsSync(manifest)) continue;
    const { bin } = JSON.parse(readFileSync(manifest, "utf8"));
    const targets = typeof bin === "string" ? [bin] : Object.values(bin ?? {});
    for (const target of targets) {
      const file = join(dir, target);
      if (existsSync(file)) chmodSync(file, 0o755);
    }
  }
}
