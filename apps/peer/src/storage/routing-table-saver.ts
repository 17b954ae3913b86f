/**
 * Keeps the routing table on disk: restored at start so a restarted peer rejoins without a
 * bootstrap peer, saved about a second after it changes (a crash loses at most that much of
 * it) and at stop. Saving only every 30 s lost the table of a first peer (started without
 * --bootstrap) killed early: it came back alone, and a peer that joined through it formed an
 * island with it.
 */
import type { RoutingTable } from "@p2p/dht";
import type { Logger } from "../observability/logger.js";
import type { PeerDatabase } from "./peer-database.js";

/** How often the table is checked for changes (and saved when it changed). */
const ROUTING_CHECK_INTERVAL_MS = 1_000;

export interface RoutingTableSaver {
  /** Contacts restored from the last run. */
  readonly restored: number;
  /** Stops the timer and saves once more. */
  stop(): Promise<void>;
}

export function keepRoutingTable(db: PeerDatabase, table: RoutingTable, logger: Logger): RoutingTableSaver {
  const restored = table.restore(db.loadRoutingTable());
  let saved = table.changes;
  let saving: Promise<void> | undefined;
  const save = async () => {
    const changes = table.changes;
    try {
      await db.saveRoutingTable(table.snapshot());
      saved = changes;
    } catch (err) {
      logger.warn({ err }, "saving the routing table failed");
    }
  };
  const timer = setInterval(() => {
    if (table.changes === saved || saving) return;
    saving = save().finally(() => (saving = undefined));
  }, ROUTING_CHECK_INTERVAL_MS);
  timer.unref();
  return {
    restored,
    async stop() {
      clearInterval(timer);
      await saving;
      await save();
    },
  };
}
