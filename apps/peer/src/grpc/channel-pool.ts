/**
 * Long-lived grpc-js clients, one per remote address, in a bounded LRU pool: Kademlia talks
 * to the same few hundred peers again and again, and a new HTTP/2 connection per call would
 * cost a handshake each time. Beyond `maxChannels`, the least recently used idle channel is
 * closed (one with calls in flight is never closed under them).
 *
 * Over TLS a channel is also bound to the peer ID it was opened for (its credentials refuse any
 * other certificate), so channels are keyed by peer and address: a new identity at a known
 * address gets a channel of its own, and a dial by address alone (bootstrap) one that accepts
 * any valid peer.
 */
import { Client, credentials } from "@grpc/grpc-js";
import type { ChannelCredentials, ChannelOptions } from "@grpc/grpc-js";
import { DhtError } from "@p2p/dht";
import type { NodeId } from "@p2p/dht";

/** The credentials of a new channel to the peer `peerId` (undefined: any peer). Default: plaintext. */
export type CredentialsFor = (peerId: NodeId | undefined) => ChannelCredentials;
const plaintext: CredentialsFor = () => credentials.createInsecure();

interface PooledChannel {
  client: Client;
  inFlight: number;
  /** Out of the pool (retire()): closed once its last call ends. */
  retired: boolean;
}

/** A client borrowed for one call; release() exactly once when the call ends. */
export interface ChannelLease {
  client: Client;
  release(): void;
  /** Takes this channel out of the pool: see ChannelPool.retire. */
  retire(): void;
}

export class ChannelPool {
  /** Map order is recency order: the first entry is the least recently used. */
  readonly #channels = new Map<string, PooledChannel>();
  #closed = false;

  constructor(
    private readonly maxChannels: number,
    private readonly channelOptions: ChannelOptions,
    private readonly credentialsFor: CredentialsFor = plaintext,
  ) {
    if (!Number.isInteger(maxChannels) || maxChannels < 1) throw new RangeError(`maxChannels must be an integer ≥ 1, got ${maxChannels}`);
  }

  /**
   * Borrows the channel to the peer `peerId` at `address` (undefined: whoever is there),
   * opening it if needed. Throws Unavailable after close().
   */
  acquire(address: string, peerId?: NodeId): ChannelLease {
    if (this.#closed) throw DhtError.unavailable("grpc transport is closed");
    const key = peerId === undefined ? address : `${peerId}@${address}`;
    let entry = this.#channels.get(key);
    if (entry) this.#channels.delete(key);
    else entry = { client: new Client(address, this.credentialsFor(peerId), this.channelOptions), inFlight: 0, retired: false };
    this.#channels.set(key, entry);
    entry.inFlight++;
    this.#evictIdle();
    let released = false;
    const held = entry;
    return {
      client: held.client,
      release: () => {
        if (released) return;
        released = true;
        held.inFlight--;
        if (held.retired && held.inFlight === 0) held.client.close();
        this.#evictIdle();
      },
      retire: () => this.retire(key, held.client),
    };
  }

  /**
   * Takes the channel to `address` out of the pool if it is still `client`: the next call opens
   * a new connection, and this one closes when its last call ends. For a call that timed out or
   * found the peer unavailable: its connection may be black-holed (a partition, a host that
   * vanished), and every later call over it would wait behind segments TCP retransmits ever
   * more rarely (after a 15 s cut the next try is ~13 s away), or behind grpc-js's reconnect
   * backoff (up to 2 min). A new connection starts with neither.
   */
  retire(key: string, client: Client): void {
    const entry = this.#channels.get(key);
    if (!entry || entry.client !== client) return;
    this.#channels.delete(key);
    entry.retired = true;
    this.retired++;
    if (entry.inFlight === 0) entry.client.close();
  }

  /** Channels retired so far (a metric). */
  retired = 0;

  /** Number of open channels (for tests and metrics). */
  get size(): number {
    return this.#channels.size;
  }

  /** Closes every channel; calls in flight fail with CANCELLED/UNAVAILABLE. */
  close(): void {
    this.#closed = true;
    for (const entry of this.#channels.values()) entry.client.close();
    this.#channels.clear();
  }

  #evictIdle(): void {
    if (this.#channels.size <= this.maxChannels) return;
    for (const [address, entry] of this.#channels) {
      if (this.#channels.size <= this.maxChannels) break;
      if (entry.inFlight > 0) continue;
      entry.client.close();
      this.#channels.delete(address);
    }
  }
}
