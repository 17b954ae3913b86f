/**
 * A version as the system under test stamps it: a hybrid logical clock reading plus the
 * writer's ID, ordered (wallMs, logical, writer). The checker keeps its own copy of this
 * order rather than importing the DHT's: a checker that shares the code it judges would
 * share its bugs too.
 */
export interface Version {
  /** Physical part of the HLC stamp, ms since the epoch. */
  wallMs: number;
  /** Logical counter that orders stamps within one wallMs. */
  logical: number;
  /** ID of the peer that stamped it; breaks ties between writers. */
  writer: string;
}

/** Negative when a is older than b, 0 when equal, positive when newer (writer compared as strings). */
export function compareVersions(a: Version, b: Version): number {
  if (a.wallMs !== b.wallMs) return a.wallMs < b.wallMs ? -1 : 1;
  if (a.logical !== b.logical) return a.logical < b.logical ? -1 : 1;
  if (a.writer !== b.writer) return a.writer < b.writer ? -1 : 1;
  return 0;
}

/** `wallMs.logical@writer`, with the writer cut to 8 characters (IDs are 64 hex digits). */
export function formatVersion(v: Version): string {
  const writer = v.writer.length > 8 ? v.writer.slice(0, 8) : v.writer;
  return `${v.wallMs}.${v.logical}@${writer}`;
}
