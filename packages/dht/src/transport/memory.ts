/**
 * An in-memory network: every attached node gets a Transport that delivers to the other
 * nodes' PeerRpcHandlers in this process. Tests and simulations of 10,000+ nodes run the same
 * Kademlia and replication code as real peers, with faults injected on demand.
 *
 * Like the gRPC transport it delivers asynchronously (a microtask, a configurable latency, or
 * what a network model decides: delay, loss, partitions), copies everything that crosses the
 * wire, enforces every call's deadline and signal, checks that the node reached at
 * `to.address` really is `to.id`, and fails only with DhtError.
 */
import { DhtError, type DhtErrorCode } from "../errors.js";
import type { CallOptions, Contact, DhtRecord, FindValueResult, NodeId, StoreResult, SyncDigestResult, SyncKeysResult } from "../types.js";
import { PEER_METHODS, type PeerMethod, type PeerRpcHandler, type Transport } from "../rpc/peer-rpc.js";

/** The remote methods, as counted by `MemoryNetwork.sent`. */
export type MemoryMethod = PeerMethod;

export interface MemoryNetworkOptions {
  /**
   * One-way delay of each message in milliseconds, or a function of (from, to) for uneven
   * networks. Default 0: delivered on a microtask, so thousands of nodes run fast while
   * replies still arrive after the call returns, as on a real network.
   */
  latencyMs?: number | ((from: Contact, to: Contact) => number);
  /**
   * A network model deciding each message's fate (simulation/network-model.ts is one): its
   * one-way delay in ms, or null when it is lost. A lost request never reaches the handler; a
   * lost reply is lost after the handler ran (its side effects stay). Either way the caller
   * hears nothing and its deadline ends the call (DEADLINE_EXCEEDED), as with a lost datagram
   * or a partition. Takes the place of `latencyMs` when set.
   */
  messageFate?: (from: Contact, to: Contact, leg: MessageLeg) => number | null;
}

/** Which way a message goes: the call's request, or the reply to it (an error reply included). */
export type MessageLeg = "request" | "reply";

/** Per-node fault state: ok, refusing (a closed port), or hanging (a SIGSTOPped process). */
type NodeState = "up" | "failed" | "hung";

interface Attached {
  contact: Contact;
  handler: PeerRpcHandler;
  state: NodeState;
}

function copyContact(c: Contact): Contact {
  return { id: c.id, address: c.address, httpAddress: c.httpAddress };
}

function copyRecord(r: DhtRecord): DhtRecord {
  return { key: r.key, value: r.value.slice(), version: { ...r.version }, tombstone: r.tombstone };
}

export class MemoryNetwork {
  private readonly byAddress = new Map<string, Attached>();
  private readonly byId = new Map<NodeId, Attached>();
  private readonly counts = Object.fromEntries(PEER_METHODS.map((m) => [m, 0])) as Record<MemoryMethod, number>;

  constructor(private readonly options: MemoryNetworkOptions = {}) {}

  /** Number of attached nodes. */
  get size(): number {
    return this.byId.size;
  }

  /** Messages sent so far, by method (a copy). */
  get sent(): Record<MemoryMethod, number> {
    return { ...this.counts };
  }

  /** Total messages sent so far. */
  get sentTotal(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  resetCounters(): void {
    for (const k of Object.keys(this.counts) as MemoryMethod[]) this.counts[k] = 0;
  }

  /**
   * Attaches a node reachable at `contact.address`, answering with `handler`. Returns the
   * Transport that node uses to call the others. Throws if the address or ID is taken.
   */
  attach(contact: Contact, handler: PeerRpcHandler): Transport {
    if (this.byAddress.has(contact.address)) throw new Error(`MemoryNetwork: address ${contact.address} already attached`);
    if (this.byId.has(contact.id)) throw new Error(`MemoryNetwork: id ${contact.id} already attached`);
    const node: Attached = { contact: copyContact(contact), handler, state: "up" };
    this.byAddress.set(contact.address, node);
    this.byId.set(contact.id, node);
    const self = node.contact;
    return {
      ping: (to, opts) => this.call(self, to, "ping", opts, (h, from) => h.onPing(from)),
      findNode: (to, target, opts) =>
        this.call(self, to, "findNode", opts, (h, from) => h.onFindNode(from, target), (cs) => cs.map(copyContact)),
      findValue: (to, key, opts) =>
        this.call(self, to, "findValue", opts, (h, from) => h.onFindValue(from, key, opts.trace?.parent), (r: FindValueResult) => ({
          contacts: r.contacts.map(copyContact),
          ...(r.record ? { record: copyRecord(r.record) } : {}),
        })),
      store: (to, record, opts) => {
        const sent = copyRecord(record);
        return this.call(self, to, "store", opts, (h, from) => h.onStore(from, sent, opts.trace?.parent), (r: StoreResult) => ({
          applied: r.applied,
          current: { ...r.current },
        }));
      },
      syncDigest: (to, req, opts) => {
        const sent = { root: req.root.slice(), count: req.count };
        return this.call(self, to, "syncDigest", opts, (h, from) => h.onSyncDigest(from, sent), (r: SyncDigestResult) => ({
          match: r.match,
          leaves: r.leaves.map((l) => l.slice()),
          count: r.count,
        }));
      },
      syncKeys: (to, req, opts) => {
        const sent = { leaves: [...req.leaves], after: req.after, limit: req.limit };
        return this.call(self, to, "syncKeys", opts, (h, from) => h.onSyncKeys(from, sent), (r: SyncKeysResult) => ({
          entries: r.entries.map((e) => ({ key: e.key, version: { ...e.version }, tombstone: e.tombstone })),
          truncated: r.truncated,
        }));
      },
      fetchRecords: (to, keys, opts) => {
        const sent = [...keys];
        return this.call(self, to, "fetchRecords", opts, (h, from) => h.onFetchRecords(from, sent), (rs: DhtRecord[]) => rs.map(copyRecord));
      },
      goodbye: (to, opts) => this.call(self, to, "goodbye", opts, (h, from) => h.onGoodbye(from)),
      fetchChunk: (to, hash, opts) => this.call(self, to, "fetchChunk", opts, (h, from) => h.onFetchChunk(from, hash), (b: Uint8Array) => b.slice()),
      storeChunk: (to, chunk, opts) => {
        const sent = { hash: chunk.hash, bytes: chunk.bytes.slice(), pending: chunk.pending };
        return this.call(self, to, "storeChunk", opts, (h, from) => h.onStoreChunk(from, sent), (r) => ({ applied: r.applied }));
      },
      commitChunks: (to, hashes, opts) => {
        const sent = [...hashes];
        return this.call(self, to, "commitChunks", opts, (h, from) => h.onCommitChunks(from, sent), (r) => ({ committed: r.committed, missing: r.missing }));
      },
      storeMany: (to, records, opts) => {
        const sent = records.map(copyRecord);
        return this.call(self, to, "storeMany", opts, (h, from) => h.onStoreMany(from, sent), (rs) => rs.map((r) => (r instanceof DhtError ? r : { applied: r.applied, current: { ...r.current } })));
      },
      findValueMany: (to, keys, opts) => {
        const sent = [...keys];
        return this.call(self, to, "findValueMany", opts, (h, from) => h.onFindValueMany(from, sent), (rs) => rs.map((r) => (r === null || r === "omitted" || r instanceof DhtError ? r : copyRecord(r))));
      },
      releaseChunks: (to, hashes, opts) => {
        const sent = [...hashes];
        return this.call(self, to, "releaseChunks", opts, (h, from) => h.onReleaseChunks(from, sent), (r) => ({ released: r.released, kept: r.kept, missing: r.missing }));
      },
    };
  }

  /** Removes a node: calls to it fail with Unavailable, as to a stopped process. */
  detach(id: NodeId): void {
    const node = this.byId.get(id);
    if (!node) return;
    this.byId.delete(id);
    this.byAddress.delete(node.contact.address);
  }

  /** Calls to `id` (and from it) fail with Unavailable until recover(). */
  fail(id: NodeId): void {
    this.setState(id, "failed");
  }

  /** Calls to `id` (and from it) never answer: callers hit their deadline, as with SIGSTOP. */
  hang(id: NodeId): void {
    this.setState(id, "hung");
  }

  /** Undoes fail() or hang(). */
  recover(id: NodeId): void {
    this.setState(id, "up");
  }

  private setState(id: NodeId, state: NodeState): void {
    const node = this.byId.get(id);
    if (!node) throw new Error(`MemoryNetwork: no node ${id}`);
    node.state = state;
  }

  /** The one-way delay of a message, or null when the network model loses it. */
  private delay(from: Contact, to: Contact, leg: MessageLeg): number | null {
    if (this.options.messageFate) return this.options.messageFate(from, to, leg);
    const l = this.options.latencyMs ?? 0;
    return typeof l === "function" ? l(from, to) : l;
  }

  /** Sends a reply from `to` back to `from`; a lost one is never delivered (the caller's deadline fires). */
  private reply(to: Contact, from: Contact, deliver: () => void): void {
    const ms = this.delay(to, from, "reply");
    if (ms !== null) this.later(ms, deliver);
  }

  private later(ms: number, fn: () => void): void {
    if (ms > 0) setTimeout(fn, ms);
    else queueMicrotask(fn);
  }

  private call<R>(
    from: Contact,
    to: Contact,
    method: MemoryMethod,
    opts: CallOptions,
    invoke: (handler: PeerRpcHandler, from: Contact) => R | Promise<R>,
    copyReply: (r: R) => R = (r) => r,
  ): Promise<R> {
    this.counts[method]++;
    return new Promise<R>((resolve, reject) => {
      let settled = false;
      const done = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener("abort", onAbort);
        fn();
      };
      const fail = (message: string, code: DhtErrorCode, cause?: unknown) =>
        done(() => reject(new DhtError(message, code, { cause })));
      const onAbort = () => fail(`${method} to ${to.address} canceled`, "canceled", opts.signal?.reason);
      const timer = setTimeout(
        () => fail(`${method} to ${to.address} exceeded its ${opts.timeoutMs} ms deadline`, "deadline_exceeded"),
        Math.max(0, opts.timeoutMs),
      );
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener("abort", onAbort, { once: true });

      const caller = this.byId.get(from.id);
      if (!caller) return fail(`${from.id.slice(0, 8)} is not attached`, "unavailable");
      if (caller.state === "hung") return; // a stopped process sends nothing; its own deadline fires
      if (caller.state === "failed") return fail(`${from.id.slice(0, 8)} is failed`, "unavailable");

      const requestDelay = this.delay(from, to, "request");
      if (requestDelay === null) return; // lost on the way: the caller's deadline ends the call
      this.later(requestDelay, () => {
        if (settled) return;
        const target = this.byAddress.get(to.address);
        if (!target || target.state === "failed") return fail(`no peer answering at ${to.address}`, "unavailable");
        if (target.state === "hung") return;
        // Like the real transport's handshake check: the responder must be the peer we meant.
        if (target.contact.id !== to.id) {
          return fail(`peer at ${to.address} is ${target.contact.id.slice(0, 8)}, not ${to.id.slice(0, 8)}`, "unauthenticated");
        }
        let reply: Promise<R>;
        try {
          reply = Promise.resolve(invoke(target.handler, copyContact(from)));
        } catch (err) {
          reply = Promise.reject(err);
        }
        reply.then(
          (r) => {
            const copied = copyReply(r);
            this.reply(to, from, () => done(() => resolve(copied)));
          },
          (err: unknown) => this.reply(to, from, () => done(() => reject(DhtError.from(err)))),
        );
      });
    });
  }
}
