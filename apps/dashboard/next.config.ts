import type { NextConfig } from "next";
import { fileURLToPath } from "node:url";

const config: NextConfig = {
  // The monorepo root holds the lockfile and node_modules.
  turbopack: { root: fileURLToPath(new URL("../..", import.meta.url)) },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
