#!/usr/bin/env node
// After tsc: bundles the peer daemon into one file, apps/peer/bundle/peer.mjs, which the
// launcher (and so the fleet, the benchmarks and the tests) starts. Measured on this machine
// against dist/main.js: a peer is ready in ~60% of the time (one file to resolve and compile
// instead of ~600 modules: what 100 peers spawned from one controller pay 100 times) and an
// idle peer holds ~5.5 MiB less anonymous memory (whitespace and comments are what V8 keeps
// of every script's source; names stay, so stack traces still name their functions, and the
// source map beside it maps them back under node --enable-source-maps).
// Kept outside the bundle: lmdb (a native addon) and the packages that read their own .proto
// files relative to __dirname at run time.
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
await build({
  entryPoints: [`${root}apps/peer/dist/main.js`],
  // apps/peer/bundle/: one level below the package, as dist/ is, so `../package.json` (the
  // version) resolves to the same file from both.
  outfile: `${root}apps/peer/bundle/peer.mjs`,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: "linked",
  external: ["lmdb", "grpc-health-check", "@grpc/reflection", "@grpc/proto-loader"],
  // The CommonJS packages inside (grpc-js, pino, ...) call require for Node built-ins.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  logLevel: "warning",
});
