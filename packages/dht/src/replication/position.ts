import { compareDistance, sha256Hex } from "../kademlia/node-id.js";
import type { Contact, NodeId } from "../types.js";

/** A record's ring position: SHA-256 of its key's UTF-8 bytes (one definition, in kademlia/node-id). */
export { sha256Hex };

/** The contacts closest to `target` first, without duplicate IDs (the first occurrence wins). */
export function byDistance(contacts: Iterable<Contact>, target: NodeId): Contact[] {
  const unique = new Map<NodeId, Contact>();
  for (const c of contacts) if (!unique.has(c.id)) unique.set(c.id, c);
  return [...unique.values()].sort((a, b) => compareDistance(target, a.id, b.id));
}
