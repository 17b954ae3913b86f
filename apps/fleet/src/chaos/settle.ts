/**
 * The end of a fault run, shared by the fleet's chaos runs and the cross-host scenarios: wait
 * until the network has settled, then read every key back.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { adminClient, nodeClient, waitFor } from "@p2p/launcher";
import { Prng } from "./prng.js";
import type { Target, Workload } from "./workload.js";

/**
 * Runs repair on every peer until none finds anything under-replicated or awaiting hand-off
 * (contacts evicted during the faults are probed again within seconds; repair rounds then
 * restore R copies and hand stand-ins' copies back). Resolves false when that has not happened
 * within `timeoutMs`: the caller checks the history anyway, and says so.
 */
export async function waitForSettled(targets: readonly Target[], timeoutMs = 60_000): Promise<boolean> {
  // A refused Repair (an admin call from another machine without the peer's token) never turns
  // into "settled": say so at once instead of waiting out the timeout.
  let refused: ConnectError | undefined;
  const repair = (p: Target) =>
    adminClient(p.httpAddress, { timeoutMs: 10_000, ...(p.adminToken ? { token: p.adminToken } : {}) })
      .repair({})
      .catch((err: unknown) => {
        const e = ConnectError.from(err);
        if (e.code === Code.PermissionDenied) refused = e;
        throw e;
      });
  const settled = await waitFor(
    async () => {
      if (refused) return true;
      const health = await Promise.all(targets.map((p) => repair(p).then((r) => r.health)));
      return health.every((h) => Number(h?.underReplicated ?? 1) === 0 && Number(h?.recordsHandoff ?? 1) === 0);
    },
    { timeoutMs, intervalMs: 1000, what: "every peer's repair to find nothing under-replicated or awaiting hand-off" },
  ).then(
    () => true,
    () => false,
  );
  if (refused) throw new Error(`waiting for the network to settle: Repair was refused: ${refused.rawMessage}`);
  return settled;
}

/** Every key read through two peers drawn from the seed, each read retried up to 5 times (a read may still meet a slow peer). */
export async function readBackEveryKey(workload: Workload, keys: readonly string[], targets: readonly Target[], seed: number): Promise<void> {
  for (const key of keys) {
    const two = new Prng(seed ^ key.length).shuffle(targets).slice(0, 2);
    for (const target of two) {
      for (let attempt = 0; attempt < 5 && !(await workload.op("final", "get", key, target)); attempt++) await sleep(500);
    }
  }
}
