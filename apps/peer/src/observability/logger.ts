/**
 * JSON-lines logging to stdout with pino.
 *
 * Destination choice: asynchronous writes (sonic-boom, sync: false) with minLength 0, so
 * each line is handed to the OS right away rather than batched, and pino flushes
 * synchronously on process exit, so a line logged just before exit (the "peer ready" line,
 * a fatal error) is not lost. Synchronous writes were rejected because a parent that stops
 * reading our stdout pipe (a stuck fleet controller) would then block the event loop and
 * stall every RPC; with async writes the backlog is capped at maxLength instead and lines
 * beyond it are dropped.
 */
import { pino } from "pino";
import type { DestinationStream, Logger } from "pino";
import type { LogLevel } from "../config/peer-config.js";

export type { Logger } from "pino";

/** Most log backlog kept in memory when stdout is not being read. */
const MAX_BUFFERED_LOG_BYTES = 16 * 1024 * 1024;

export interface CreateLoggerOptions {
  /** Initial level; change it live with `logger.level = "debug"`. */
  level: LogLevel;
  /** Added to every line as `name` (e.g. "peer"). Default: none. */
  name?: string;
  /** Where lines go. Default: stdout as described above. Tests pass a stream. */
  destination?: DestinationStream;
}

/** A pino logger writing JSON lines: {"level":"info","time":"…","pid":…,"name":…,"msg":…}. */
export function createLogger(opts: CreateLoggerOptions): Logger {
  const destination =
    opts.destination ?? pino.destination({ dest: 1, sync: false, minLength: 0, maxLength: MAX_BUFFERED_LOG_BYTES });
  return pino(
    {
      level: opts.level,
      name: opts.name,
      // Only pid in the base: hostname on every line is noise for local fleets.
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names rather than numbers: readable and greppable without pino-pretty.
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
