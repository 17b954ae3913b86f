/**
 * Names of everything a harness creates, built so that a later run can tell whose it is: the
 * owning process ID is in every name, and what a dead process left behind is removed.
 */
import { isAlive as isPidAlive } from "@p2p/launcher";

/** Prefix of every namespace the harness creates. */
export const NAMESPACE_PREFIX = "p2pn-";
/** Prefix of the observer's interface in the test process's own namespace. */
export const OBSERVER_PREFIX = "p2pn";

/** Names of one set of hosts: owner PID and a per-process sequence number. */
export function hostNames(pid: number, seq: number) {
  const tag = `${pid.toString(36)}-${seq.toString(36)}`;
  return {
    tag,
    switchNamespace: `${NAMESPACE_PREFIX}${tag}-sw`,
    hostNamespace: (index: number) => `${NAMESPACE_PREFIX}${tag}-h${index}`,
    /** ≤ 15 characters (IFNAMSIZ) for any PID below 36^5 and up to 1,296 sets per process. */
    observerInterface: `${OBSERVER_PREFIX}${tag}`,
  };
}

/** The owner PID in a namespace or observer interface name, or undefined when it is not ours. */
export function ownerOf(name: string): number | undefined {
  const m = /^p2pn-?([0-9a-z]{1,6})-[0-9a-z]+(?:-|$)/.exec(name);
  if (!m || name.startsWith("p2pn-probe")) return undefined;
  const pid = parseInt(m[1]!, 36);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** True when `name` was made by a harness in a process that no longer runs. */
export function isLeftOver(name: string): boolean {
  const owner = ownerOf(name);
  return owner !== undefined && owner !== process.pid && !isPidAlive(owner);
}
