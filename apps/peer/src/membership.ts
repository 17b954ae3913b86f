/**
 * How a peer joins and leaves the network. Joining: --bootstrap addresses (probed to learn and
 * verify their IDs), else the routing table saved by its last run, else — on a terminal only —
 * it asks for a known peer's address as the original system did (Enter: first peer of a new
 * network); while nobody answers it retries in the background. Leaving: a graceful stop hands
 * every record to the next closest peers and says goodbye first, within a time budget.
 */
import { createInterface } from "node:readline/promises";
import type { Contact, DhtNode } from "@p2p/dht";
import { parseHostPort } from "./config/peer-config.js";
import { errorMessage } from "./edge-errors.js";
import type { GrpcTransport } from "./grpc/grpc-transport.js";
import type { Logger } from "./observability/logger.js";

/** Retry period while no bootstrap peer answers (it may simply not be up yet). */
const JOIN_RETRY_MS = 2_000;

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

/**
 * Asks on the terminal for a known peer's host:grpcPort until the answer is valid; an empty
 * answer means "I am the first peer". Only call when stdin is a TTY.
 */
export async function askForBootstrap(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<string | undefined> {
  const rl = createInterface({ input, output });
  // Ctrl-C at the prompt aborts the start instead of leaving the prompt paused.
  const abort = new AbortController();
  rl.on("SIGINT", () => abort.abort(new Error("interrupted at the bootstrap prompt")));
  try {
    for (;;) {
      const answer = (await rl.question("Address of a known peer (host:grpcPort), or Enter to start a new network: ", { signal: abort.signal })).trim();
      if (answer === "") return undefined;
      if (parseHostPort(answer)) return answer;
      output.write(`  ${JSON.stringify(answer)} is not host:port with a port from 1 to 65535\n`);
    }
  } finally {
    rl.close();
  }
}

/**
 * Joins through the bootstrap addresses and the restored routing table; while nobody answers
 * (the bootstrap peer may start later) it retries in the background instead of failing.
 */
export class Joiner {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly node: DhtNode,
    private readonly transport: GrpcTransport,
    private readonly addresses: readonly string[],
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  async tryOnce(): Promise<void> {
    const seeds = await probeSeeds(
      this.addresses,
      (a) => this.transport.probe(a, { timeoutMs: this.timeoutMs }),
      (address, err) => this.logger.warn({ address, error: errorMessage(err) }, "bootstrap peer did not answer"),
    );
    const known = this.node.kademlia.routingTable.all();
    try {
      await this.node.bootstrap([...seeds, ...known]);
    } catch (err) {
      if (this.#stopped) return;
      this.logger.warn({ error: (err as Error).message, retryInMs: JOIN_RETRY_MS }, "could not join the network yet");
      this.#timer = setTimeout(() => void this.tryOnce(), JOIN_RETRY_MS);
      this.#timer.unref();
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}

/**
 * A graceful stop leaves the network first: every record to the next closest peers, a goodbye
 * to every contact, bounded by `budgetMs` so the shutdown deadline still leaves time to close
 * the database.
 */
export async function leaveWithin(node: DhtNode, budgetMs: number, logger: Logger): Promise<void> {
  if (node.left) return;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    node.leave(),
    new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), budgetMs))),
  ]).finally(() => clearTimeout(timer));
  if (outcome === "timeout") logger.warn({ budgetMs }, "leave did not finish before the shutdown deadline");
}
