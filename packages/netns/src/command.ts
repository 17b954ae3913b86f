/**
 * Runs the system commands the harness is made of (ip, nft), each with a deadline, and turns a
 * failure into one error that names the command and what it printed.
 */
import { execFile, execFileSync } from "node:child_process";

/** A command that exited non-zero, timed out or could not start. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly detail: string,
  ) {
    super(`${command}: ${detail}`);
    this.name = "CommandError";
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Runs `file args…` (stdin from `input` when given); resolves with stdout. */
export function run(file: string, args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const shown = [file, ...args].join(" ");
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, encoding: "utf8" }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const e = err as NodeJS.ErrnoException & { killed?: boolean };
      const detail = e.code === "ENOENT" ? "not installed" : e.killed ? "timed out" : (stderr.trim() || e.message).split("\n")[0]!;
      reject(new CommandError(shown, detail));
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** Like `run`, but never throws: for clean-up, where a missing device is the expected case. */
export function runQuietly(file: string, args: readonly string[]): Promise<void> {
  return run(file, args).then(
    () => undefined,
    () => undefined,
  );
}

/** Synchronous and silent, for the process-exit hook (no event loop is left there). */
export function runSyncQuietly(file: string, args: readonly string[]): void {
  try {
    execFileSync(file, args, { stdio: "ignore", timeout: 5000 });
  } catch {
    // clean-up of something already gone
  }
}
