/**
 * One k-bucket (Kademlia §2.2): at most K contacts ordered least-recently-seen first, plus a
 * small replacement cache of newcomers that arrived while the bucket was full (§4.1). The
 * bucket only keeps state; pinging the least-recently-seen contact is the node's job.
 */
import type { Contact, NodeId } from "../types.js";
import { idHigh32, idToBigInt } from "./node-id.js";

/** A contact as the bucket holds it. */
export interface BucketEntry {
  contact: Contact;
  /** When we last heard from it (clock milliseconds). */
  lastSeenMs: number;
  /** Consecutive failed calls since it last answered; > 0 means suspect. */
  failures: number;
}

/** The stored form: the ID is parsed once, not on every closest() query. */
interface StoredEntry extends BucketEntry {
  idBig: bigint;
  idHigh: number;
}

/** What touch() did: refreshed a known contact, added a new one, or found the bucket full. */
export type TouchResult = "updated" | "added" | { full: Contact };

export class KBucket {
  /** Least-recently-seen first. A plain array: K is small (20), so splice beats a linked list. */
  private readonly entries: StoredEntry[] = [];
  /** Most recently seen last; bounded by replacementCacheSize. */
  private readonly replacements: StoredEntry[] = [];

  /**
   * @param k maximum number of live contacts.
   * @param replacementCacheSize maximum number of newcomers kept while the bucket is full.
   */
  constructor(
    readonly k: number,
    readonly replacementCacheSize: number,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  get isFull(): boolean {
    return this.entries.length >= this.k;
  }

  /** Contacts least-recently-seen first (copies: callers cannot reorder the bucket). */
  list(): BucketEntry[] {
    return this.entries.map(publicEntry);
  }

  /** Live entries with their parsed IDs, for the routing table's distance sorting (read-only). */
  storedEntries(): readonly { readonly contact: Contact; readonly idBig: bigint; readonly idHigh: number }[] {
    return this.entries;
  }

  /** Contacts without metadata, least-recently-seen first. */
  contacts(): Contact[] {
    return this.entries.map((e) => e.contact);
  }

  replacementList(): BucketEntry[] {
    return this.replacements.map(publicEntry);
  }

  get replacementCount(): number {
    return this.replacements.length;
  }

  get(id: NodeId): BucketEntry | undefined {
    const e = this.find(id);
    return e ? publicEntry(e) : undefined;
  }

  private find(id: NodeId): StoredEntry | undefined {
    return this.entries.find((e) => e.contact.id === id);
  }

  /**
   * We heard from `contact` at `nowMs`: move it to the tail (newer address info replaces the
   * old), or add it if there is room. A full bucket is left unchanged and reports its
   * least-recently-seen contact, the one to ping before anything is evicted.
   */
  touch(contact: Contact, nowMs: number): TouchResult {
    const i = this.entries.findIndex((e) => e.contact.id === contact.id);
    if (i >= 0) {
      const [e] = this.entries.splice(i, 1);
      this.entries.push({ contact, lastSeenMs: nowMs, failures: 0, idBig: e!.idBig, idHigh: e!.idHigh });
      return "updated";
    }
    if (this.entries.length < this.k) {
      this.removeReplacement(contact.id);
      this.entries.push({ contact, lastSeenMs: nowMs, failures: 0, idBig: idToBigInt(contact.id), idHigh: idHigh32(contact.id) });
      return "added";
    }
    return { full: this.entries[0]!.contact };
  }

  /** Remembers a newcomer for a full bucket, dropping the oldest replacement beyond the cap. */
  addReplacement(contact: Contact, nowMs: number): void {
    if (this.replacementCacheSize <= 0) return;
    this.removeReplacement(contact.id);
    this.replacements.push({ contact, lastSeenMs: nowMs, failures: 0, idBig: idToBigInt(contact.id), idHigh: idHigh32(contact.id) });
    if (this.replacements.length > this.replacementCacheSize) this.replacements.shift();
  }

  /**
   * Removes a contact; when one was removed, promotes the most recently seen replacement.
   * @returns the removed entry and the promoted contact, if any.
   */
  remove(id: NodeId): { removed?: BucketEntry; promoted?: Contact } {
    const i = this.entries.findIndex((e) => e.contact.id === id);
    if (i < 0) {
      this.removeReplacement(id);
      return {};
    }
    const [removed] = this.entries.splice(i, 1);
    const next = this.replacements.pop();
    if (next) {
      // Keep the least-recently-seen order: the replacement was last heard when it was cached.
      let at = this.entries.length;
      while (at > 0 && this.entries[at - 1]!.lastSeenMs > next.lastSeenMs) at--;
      this.entries.splice(at, 0, next);
      return { removed: publicEntry(removed!), promoted: next.contact };
    }
    return { removed: publicEntry(removed!) };
  }

  /** Counts a failed call; returns the consecutive failure count, or 0 for an unknown contact. */
  recordFailure(id: NodeId): number {
    const e = this.find(id);
    if (!e) return 0;
    e.failures += 1;
    return e.failures;
  }

  private removeReplacement(id: NodeId): void {
    const j = this.replacements.findIndex((e) => e.contact.id === id);
    if (j >= 0) this.replacements.splice(j, 1);
  }
}

function publicEntry(e: StoredEntry): BucketEntry {
  return { contact: e.contact, lastSeenMs: e.lastSeenMs, failures: e.failures };
}
