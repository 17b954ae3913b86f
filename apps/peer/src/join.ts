/**
 * How a starting peer finds the network: --bootstrap addresses (probed to learn and verify
 * their IDs), else the routing table saved by its last run, else — on a terminal only — it asks
 * for a known peer's address as the original system did (Enter: first peer of a new network).
 */
import { createInterface } from "node:readline/promises";
import type { Contact } from "@p2p/dht";
import { parseHostPort } from "./config/peer-config.js";

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
