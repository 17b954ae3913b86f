/**
 * Joining the network through --bootstrap addresses and the routing table saved by the last
 * run. While nobody answers (the bootstrap peer may start later, a Service name may have no
 * addresses yet) it keeps trying in the background, backing off from 2 s to 30 s, and resolves
 * names again at every attempt. It stops once a join has reached at least one peer.
 */
import type { Contact, DhtNode } from "@p2p/dht";
import { errorMessage } from "./edge-errors.js";
import type { GrpcTransport } from "./grpc/grpc-transport.js";
import type { Logger } from "./observability/logger.js";
import { expandSeedAddresses, resolveAll, type Resolve } from "./seed-addresses.js";

/** First retry after a failed join, doubled after each failure up to the maximum. */
export const JOIN_RETRY_MS = 2_000;
export const JOIN_RETRY_MAX_MS = 30_000;

/** Probes each address (in parallel, each with a deadline); returns the contacts that answered. */
export async function probeSeeds(
  addresses: readonly string[],
  probe: (address: string) => Promise<Contact>,
  onFailure: (address: string, err: unknown) => void,
): Promise<Contact[]> {
  const results = await Promise.allSettled(addresses.map((a) => probe(a)));
  const out: Contact[] = [];
  results.forEach((r, i) => {
    if (r.status === "fulfilled") out.push(r.value);
    else onFailure(addresses[i]!, r.reason);
  });
  return out;
}

export interface JoinerOptions {
  /** Deadline of one probe. */
  timeoutMs: number;
  /** Name resolution (tests replace it). Default: the system resolver, every address. */
  resolve?: Resolve;
  retryMs?: number;
  retryMaxMs?: number;
}

export class Joiner {
  readonly #node: DhtNode;
  readonly #transport: Pick<GrpcTransport, "probe">;
  readonly #addresses: readonly string[];
  readonly #o: Required<JoinerOptions>;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #failures = 0;
  #joined = false;

  constructor(node: DhtNode, transport: Pick<GrpcTransport, "probe">, addresses: readonly string[], options: JoinerOptions, logger: Logger) {
    this.#node = node;
    this.#transport = transport;
    this.#addresses = addresses;
    this.#o = { resolve: resolveAll, retryMs: JOIN_RETRY_MS, retryMaxMs: JOIN_RETRY_MAX_MS, ...options };
    this.#logger = logger;
  }

  /** True once a join reached another peer. */
  get joined(): boolean {
    return this.#joined;
  }

  /** One attempt; on failure the next is scheduled. Never throws. */
  async tryOnce(): Promise<void> {
    const log = this.#logger.warn.bind(this.#logger);
    const addresses = await expandSeedAddresses(this.#addresses, this.#o.resolve, (address, err) => log({ address, error: errorMessage(err) }, "bootstrap name did not resolve"));
    const self = this.#node.kademlia.self.id;
    const seeds = (
      await probeSeeds(addresses, (a) => this.#transport.probe(a, { timeoutMs: this.#o.timeoutMs }), (address, err) => log({ address, error: errorMessage(err) }, "bootstrap peer did not answer"))
    ).filter((c) => c.id !== self);
    const known = this.#node.kademlia.routingTable.all();
    if (this.#stopped) return;
    try {
      if (seeds.length === 0 && known.length === 0) throw new Error(`none of ${addresses.length} bootstrap address(es) answered`);
      await this.#node.bootstrap([...seeds, ...known]);
      this.#joined = true;
      if (this.#failures > 0) this.#logger.info({ attempts: this.#failures + 1 }, "joined the network");
    } catch (err) {
      if (this.#stopped) return;
      const retryInMs = Math.min(this.#o.retryMaxMs, this.#o.retryMs * 2 ** Math.min(this.#failures, 16));
      this.#failures++;
      log({ error: errorMessage(err), retryInMs }, "could not join the network yet");
      this.#timer = setTimeout(() => void this.tryOnce(), retryInMs);
      this.#timer.unref();
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
