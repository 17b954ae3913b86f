/**
 * Bounded capture of a child process's output: a line splitter that never holds more than
 * one (truncated) line, and a ring that keeps only the most recent lines. A peer that logs
 * forever, or writes a line with no newline, costs a fixed amount of memory.
 */

/** Keeps the last `capacity` lines; older ones are dropped. */
export class LineRing {
  readonly capacity: number;
  #lines: string[] = [];
  #next = 0;
  #total = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  push(line: string): void {
    if (this.#lines.length < this.capacity) this.#lines.push(line);
    else this.#lines[this.#next] = line;
    this.#next = (this.#next + 1) % this.capacity;
    this.#total++;
  }

  /** The most recent `limit` lines (all kept lines when omitted), oldest first. */
  recent(limit = this.capacity): string[] {
    const n = Math.max(0, Math.min(limit, this.#lines.length));
    const ordered = this.#lines.length < this.capacity
      ? this.#lines
      : [...this.#lines.slice(this.#next), ...this.#lines.slice(0, this.#next)];
    return ordered.slice(ordered.length - n);
  }

  /** Lines pushed since creation, including the dropped ones. */
  get total(): number {
    return this.#total;
  }
}

/**
 * Splits a text stream into lines. A line longer than `maxLineChars` is cut there and
 * marked with "…"; the rest of it, up to the next newline, is discarded.
 */
export class LineSplitter {
  #pending = "";
  #discarding = false;

  constructor(
    private readonly maxLineChars: number,
    private readonly onLine: (line: string) => void,
  ) {}

  write(chunk: string): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf("\n", start);
      const piece = chunk.slice(start, nl === -1 ? undefined : nl);
      if (!this.#discarding) {
        this.#pending += piece;
        if (this.#pending.length > this.maxLineChars) {
          this.onLine(this.#pending.slice(0, this.maxLineChars) + "…");
          this.#pending = "";
          this.#discarding = nl === -1;
        } else if (nl !== -1) {
          this.onLine(this.#pending.replace(/\r$/, ""));
          this.#pending = "";
        }
      } else if (nl !== -1) {
        this.#discarding = false;
      }
      if (nl === -1) return;
      start = nl + 1;
    }
  }

  /** Emits a final line that had no newline. */
  end(): void {
    if (this.#pending && !this.#discarding) this.onLine(this.#pending);
    this.#pending = "";
    this.#discarding = false;
  }
}
