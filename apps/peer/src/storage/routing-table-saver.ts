/**
 * Keeps the routing table on disk: restored at start so a restarted peer rejoins without a
 * bootstrap peer, saved periodically (a crash loses at most one interval of it) and at stop.
 */
import type { RoutingTable } from "@p2p/dht";
import type { Logger } from "../observability/logger.js";
import type { PeerDatabase } from "./peer-database.js";

/** How often the routing table is saved, so a crash loses at most this much of it. */
const ROUTING_SAVE_INTERVAL_MS = 30_000;

export interface RoutingTableSaver {
  /** Contacts restored from the last run. */
  readonly restored: number;
  /** Stops the timer and saves once more. */
  stop(): Promise<void>;
}

export function keepRoutingTable(db: PeerDatabase, table: RoutingTable, logger: Logger): RoutingTableSaver {
  const restored = table.restore(db.loadRoutingTable());
  const save = () => db.saveRoutingTable(table.snapshot()).catch((err) => logger.warn({ err }, "saving the routing table failed"));
  const timer = setInterval(save, ROUTING_SAVE_INTERVAL_MS);
  timer.unref();
  return {
    restored,
    async stop() {
      clearInterval(timer);
      await save();
    },
  };
}
