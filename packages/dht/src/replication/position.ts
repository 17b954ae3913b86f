import { createHash } from "node:crypto";
import type { Contact, NodeId } from "../types.js";

/** A record's ring position: SHA-256 of its key's UTF-8 bytes, as 64 lowercase hex characters. */
export function sha256Hex(key: string): NodeId {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/**
 * Orders two IDs by XOR distance to `target`: negative when `a` is closer. All three must be
 * 64-hex IDs; compared 32 bits at a time, which keeps this allocation-free.
 */
export function compareDistance(a: NodeId, b: NodeId, target: NodeId): number {
  for (let i = 0; i < 64; i += 8) {
    const t = parseInt(target.slice(i, i + 8), 16);
    const da = (parseInt(a.slice(i, i + 8), 16) ^ t) >>> 0;
    const db = (parseInt(b.slice(i, i + 8), 16) ^ t) >>> 0;
    if (da !== db) return da < db ? -1 : 1;
  }
  return 0;
}

/** The contacts closest to `target` first, without duplicate IDs (the first occurrence wins). */
export function byDistance(contacts: Iterable<Contact>, target: NodeId): Contact[] {
  const unique = new Map<NodeId, Contact>();
  for (const c of contacts) if (!unique.has(c.id)) unique.set(c.id, c);
  return [...unique.values()].sort((a, b) => compareDistance(a.id, b.id, target));
}
