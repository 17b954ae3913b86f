/**
 * The transfer progress bar (bytes, rate, ETA) on stderr. Shown only when stderr is a TTY and
 * neither --json nor --quiet was given; otherwise every method does nothing.
 */
import { SingleBar } from "cli-progress";

export interface Progress {
  /** Bytes moved so far (absolute, including any resumed prefix). */
  update(bytes: number): void;
  stop(): void;
}

const units = ["B", "KiB", "MiB", "GiB", "TiB"];

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

/** Whether a bar should be drawn for these options and this stderr. */
export function wantsBar(opts: { json: boolean; quiet: boolean }, stream: { isTTY?: boolean } = process.stderr): boolean {
  return !opts.json && !opts.quiet && stream.isTTY === true;
}

const none: Progress = { update() {}, stop() {} };

/** A bar labelled `label` for `total` bytes starting at `start`, or a no-op. */
export function startProgress(show: boolean, label: string, total: number, start = 0): Progress {
  if (!show) return none;
  const began = Date.now();
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {done} / {size} | {rate}/s | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 10,
    },
  );
  const payload = (bytes: number) => {
    const secs = Math.max((Date.now() - began) / 1000, 0.001);
    return { done: formatBytes(bytes), size: formatBytes(total), rate: formatBytes(Math.round((bytes - start) / secs)) };
  };
  bar.start(Math.max(total, 1), start, payload(start));
  return {
    update(bytes) {
      bar.update(bytes, payload(bytes));
    },
    stop() {
      bar.stop();
    },
  };
}

/** Progress of a batch command: keys done, and input bytes done when the input's size is known. */
export interface KeyProgress {
  advance(keys: number, inputBytes: number): void;
  stop(): void;
}

/**
 * A bar over the input file's size (`totalBytes`) showing keys done and keys per second, or,
 * when the size is unknown (stdin, arguments), a counter; a no-op unless `show`.
 */
export function startKeyProgress(show: boolean, label: string, totalBytes?: number): KeyProgress {
  if (!show) return { advance() {}, stop() {} };
  const began = Date.now();
  let keys = 0;
  let bytes = 0;
  const sized = totalBytes !== undefined && totalBytes > 0;
  const format = sized ? `${label} [{bar}] {percentage}% | {keys} keys | {rate} keys/s | ETA {eta_formatted}` : `${label} {keys} keys | {rate} keys/s`;
  const bar = new SingleBar({ stream: process.stderr, format, hideCursor: true, clearOnComplete: false, etaBuffer: 50, fps: 10 });
  const payload = () => ({ keys, rate: Math.round(keys / Math.max((Date.now() - began) / 1000, 0.001)) });
  bar.start(sized ? totalBytes : 1, 0, payload());
  return {
    advance(k, b) {
      keys += k;
      bytes += b;
      bar.update(sized ? bytes : 0, payload());
    },
    stop() {
      bar.stop();
    },
  };
}
