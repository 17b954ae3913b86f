/**
 * How a peer joins and leaves the network. Joining (joiner.ts): --bootstrap addresses (probed
 * to learn and verify their IDs), else the routing table saved by its last run, else — on a
 * terminal only — it asks here for a known peer's address as the original system did (Enter:
 * first peer of a new network). Leaving: a graceful stop hands
 * every record to the next closest peers and says goodbye first, within a time budget.
 */
import { createInterface } from "node:readline/promises";
import type { DhtNode } from "@p2p/dht";
import { parseHostPort } from "./config/peer-config.js";
import type { Logger } from "./observability/logger.js";

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
