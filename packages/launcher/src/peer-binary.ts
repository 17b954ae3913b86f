import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The built peer daemon of this repository, bundled into one file (apps/peer/bundle/peer.mjs,
 * scripts/bundle-peer.js: it starts faster and idles in less memory than dist/main.js), found
 * relative to this package so it works from src/ (tests via tsx) and dist/ alike; both sit two
 * levels below the package root.
 */
export const defaultPeerMain: string = fileURLToPath(new URL("../../../apps/peer/bundle/peer.mjs", import.meta.url));

/** Throws a clear error when the peer entry point does not exist (usually: not built yet). */
export function assertPeerMainExists(peerMain: string): void {
  if (!existsSync(peerMain)) {
    throw new Error(`peer binary not found at ${peerMain}: build it first with "npm run build:core"`);
  }
}
