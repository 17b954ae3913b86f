/**
 * Where content records go: the R peers closest to the record's position (self included when
 * it is one of them), with the next closest standing in for any that refuse (over quota) or
 * fail, as the coordinator's sloppy fallback does for ordinary records.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { Contact, NodeId, Router } from "../types.js";
import { byDistance } from "../replication/position.js";

/**
 * Self plus the closest peers a FindNode lookup finds, closest first: `wanted` of them when
 * the network has that many. Falls back to the routing table when the lookup fails.
 */
export async function replicaCandidates(router: Router, position: NodeId, wanted: number): Promise<Contact[]> {
  let remote: Contact[];
  try {
    remote = (await router.lookup(position, { wanted })).closest;
  } catch {
    remote = router.closestKnown(position, wanted);
  }
  return byDistance([router.self, ...remote], position).slice(0, wanted);
}

export interface PlacementResult {
  stored: Contact[];
  failed: { peer: Contact; error: ConnectError }[];
}

/**
 * Writes to `replicas` candidates in parallel, each failed one replaced by the next unused
 * candidate. Resolves once every slot has succeeded or run out of candidates (so the caller
 * may free the bytes), and throws UNAVAILABLE when fewer than `quorum` writes succeeded.
 */
export async function placeReplicas(
  candidates: readonly Contact[],
  replicas: number,
  quorum: number,
  write: (peer: Contact) => Promise<unknown>,
  what: string,
): Promise<PlacementResult> {
  const result: PlacementResult = { stored: [], failed: [] };
  let next = 0;
  const slot = async () => {
    while (next < candidates.length) {
      const peer = candidates[next++]!;
      try {
        await write(peer);
        result.stored.push(peer);
        return;
      } catch (err) {
        result.failed.push({ peer, error: ConnectError.from(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(replicas, candidates.length) }, slot));
  if (result.stored.length < quorum) {
    const reasons = result.failed.map((f) => `${f.peer.id.slice(0, 8)}: ${f.error.rawMessage}`).join("; ");
    // Every candidate over quota is the network being full, not unreachable: say so.
    const full = result.failed.length > 0 && result.failed.every((f) => f.error.code === Code.ResourceExhausted);
    throw new ConnectError(
      `${what}: stored on ${result.stored.length} of the ${quorum} peers required (${reasons || "no candidates"})`,
      full ? Code.ResourceExhausted : Code.Unavailable,
    );
  }
  return result;
}
