import type { Version } from "../types.js";

/** Orders versions by (wallMs, logical, writer): negative when a is older than b, 0 when equal. */
export function compareVersions(a: Version, b: Version): number {
  if (a.wallMs !== b.wallMs) return a.wallMs < b.wallMs ? -1 : 1;
  if (a.logical !== b.logical) return a.logical < b.logical ? -1 : 1;
  if (a.writer !== b.writer) return a.writer < b.writer ? -1 : 1;
  return 0;
}

/** True when `candidate` should replace `held` under last-writer-wins. */
export function isNewer(candidate: Version, held: Version | undefined): boolean {
  return held === undefined || compareVersions(candidate, held) > 0;
}
