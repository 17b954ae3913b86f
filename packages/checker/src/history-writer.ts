/**
 * Appends a run's events to a JSON Lines history file as they happen. Lines are buffered and
 * written in batches (one write per ~64 KiB rather than one per op, which would cost a
 * syscall per op in the client being measured), with a bound on the memory they may hold:
 * past it, append() waits for the file to catch up. A timer flushes regularly so a client
 * that is killed loses at most the last interval; the parser skips a line cut in half.
 */
import { open, type FileHandle } from "node:fs/promises";
import { validateEvent } from "./history-schema.js";
import {
  HISTORY_FORMAT_VERSION,
  type FaultEvent,
  type HistoryEvent,
  type HistoryHeader,
  type OpCompletionEvent,
  type OpInvocationEvent,
  type PhaseName,
} from "./history-types.js";

export interface HistoryWriterOptions {
  /** Header: a name for the run. */
  run?: string;
  /** Header: when the run started (ISO 8601). Default: now. */
  startedAt?: string;
  /** Header: anything else worth keeping with the history (seed, settings, peers). */
  meta?: Record<string, unknown>;
  /** Buffered bytes that start a write. Default 64 KiB: large enough to amortise the syscall. */
  flushAtBytes?: number;
  /**
   * Most bytes held in memory, buffered plus being written. Default 4 MiB. append() resolves
   * only once the total is back under it, so awaiting callers get backpressure.
   */
  maxBufferedBytes?: number;
  /** Flush at least this often, in ms; 0 turns the timer off. Default 1000. */
  flushIntervalMs?: number;
  /** Replace an existing file. Default false: a history is evidence, never overwritten by accident. */
  overwrite?: boolean;
}

export class HistoryWriter {
  readonly #file: FileHandle;
  readonly #flushAt: number;
  readonly #max: number;
  readonly #timer: NodeJS.Timeout | undefined;
  #buffer: string[] = [];
  #bufferedBytes = 0;
  #inFlight: Promise<void> | undefined;
  #inFlightBytes = 0;
  #error: Error | undefined;
  #closed = false;

  private constructor(file: FileHandle, limits: Limits) {
    this.#file = file;
    this.#flushAt = limits.flushAt;
    this.#max = limits.max;
    if (limits.interval > 0) {
      this.#timer = setInterval(() => this.#startWrite(), limits.interval);
      this.#timer.unref();
    }
  }

  /**
   * Creates the file and writes the header line.
   * @throws when the file exists (unless overwrite) or an option is out of range.
   */
  static async open(path: string, options: HistoryWriterOptions = {}): Promise<HistoryWriter> {
    const header: HistoryHeader = {
      type: "history",
      version: HISTORY_FORMAT_VERSION,
      ...(options.run !== undefined ? { run: options.run } : {}),
      startedAt: options.startedAt ?? new Date().toISOString(),
      ...(options.meta !== undefined ? { meta: options.meta } : {}),
    };
    // Options are checked before the file is created, so a bad one leaves nothing behind.
    const limits = limitsOf(options);
    const writer = new HistoryWriter(await open(path, options.overwrite ? "w" : "wx"), limits);
    writer.#push(JSON.stringify(header));
    return writer;
  }

  /**
   * Buffers one event, validated as the parser will validate it.
   * @throws (rejects) on an invalid event, naming the field; after close; after a failed write.
   */
  async append(event: HistoryEvent): Promise<void> {
    if (this.#closed) throw new Error("history writer is closed");
    if (this.#error) throw this.#error;
    const checked = validateEvent(event);
    if (!checked.ok) throw new TypeError(`invalid ${event.type} event: ${checked.issue.field ? `${checked.issue.field}: ` : ""}${checked.issue.message}`);
    this.#push(JSON.stringify(event));
    while (this.#bufferedBytes + this.#inFlightBytes > this.#max && this.#inFlight) await this.#inFlight;
    if (this.#error) throw this.#error;
  }

  /** Records that a client sent an operation, before it knows the outcome. */
  invoke(op: Omit<OpInvocationEvent, "type">): Promise<void> {
    return this.append({ type: "op", ...op });
  }

  /** Records an operation's outcome (repeating its invocation's fields), or a whole operation at once. */
  complete(op: Omit<OpCompletionEvent, "type">): Promise<void> {
    return this.append({ type: "op", ...op });
  }

  /** Records a fault window; without end, record it again with the same id and its end when it is over. */
  fault(f: Omit<FaultEvent, "type">): Promise<void> {
    return this.append({ type: "fault", ...f });
  }

  phase(name: PhaseName, at: number): Promise<void> {
    return this.append({ type: "phase", name, at });
  }

  /** Resolves once every event appended so far is in the file. */
  async flush(): Promise<void> {
    while (this.#buffer.length || this.#inFlight) {
      this.#startWrite();
      await this.#inFlight;
      if (this.#error) throw this.#error;
    }
  }

  /** Flushes, syncs the file to disk and closes it. Further appends are refused. */
  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#timer);
    try {
      await this.flush();
      await this.#file.datasync();
    } finally {
      this.#closed = true;
      await this.#file.close();
    }
  }

  #push(json: string): void {
    const line = `${json}\n`;
    this.#buffer.push(line);
    this.#bufferedBytes += Buffer.byteLength(line);
    if (this.#bufferedBytes >= this.#flushAt) this.#startWrite();
  }

  /** Starts writing the buffer unless a write is under way (it starts the next one when done). */
  #startWrite(): void {
    if (this.#inFlight || this.#buffer.length === 0 || this.#error) return;
    const chunk = this.#buffer.join("");
    this.#buffer = [];
    this.#inFlightBytes = this.#bufferedBytes;
    this.#bufferedBytes = 0;
    // appendFile, unlike write, loops until the whole chunk is in the file.
    this.#inFlight = this.#file
      .appendFile(chunk)
      .then(
        () => undefined,
        (err: Error) => {
          this.#error = new Error(`writing the history failed: ${err.message}`, { cause: err });
        },
      )
      .finally(() => {
        this.#inFlight = undefined;
        this.#inFlightBytes = 0;
        if (this.#bufferedBytes >= this.#flushAt) this.#startWrite();
      });
  }
}

interface Limits {
  flushAt: number;
  max: number;
  interval: number;
}

function limitsOf(options: HistoryWriterOptions): Limits {
  const flushAt = positive(options.flushAtBytes ?? 64 * 1024, "flushAtBytes");
  const max = positive(options.maxBufferedBytes ?? 4 * 1024 * 1024, "maxBufferedBytes");
  if (max < flushAt) throw new RangeError(`maxBufferedBytes (${max}) must be ≥ flushAtBytes (${flushAt})`);
  const interval = options.flushIntervalMs ?? 1000;
  if (!(interval >= 0)) throw new RangeError(`flushIntervalMs must be ≥ 0, got ${interval}`);
  return { flushAt, max, interval };
}

function positive(n: number, name: string): number {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${name} must be a positive integer, got ${n}`);
  return n;
}
