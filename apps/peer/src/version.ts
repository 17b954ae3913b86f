import { readFileSync } from "node:fs";

/** The peer's software version, from its package.json (one source of truth). */
export const SOFTWARE_VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
