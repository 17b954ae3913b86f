import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The built peer daemon of this repository (apps/peer/dist/main.js), found relative to this
 * package so it works from src/ (tests via tsx) and dist/ alike; both sit two levels below
 * the package root.
 */
export const defaultPeerMain: string = fileURLToPath(new URL("../../../apps/peer/dist/main.js", import.meta.url));

/** Throws a clear error when the peer entry point does not exist (usually: not built yet). */
export function assertPeerMainExists(peerMain: string): void {
  if (!existsSync(peerMain)) {
    throw new Error(`peer binary not found at ${peerMain}: build it first with "npm run build"`);
  }
}
