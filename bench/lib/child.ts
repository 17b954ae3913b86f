/**
 * Bench helper processes (floor echo servers, simulation workers): TypeScript run through tsx
 * in a child node process. Each prints one JSON line when ready; the caller must `stop()` it
 * in a finally block, and `--parent-pid`-style orphan protection is the child's `ppid` check.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface BenchChild {
  readonly pid: number;
  /** The first JSON line the child printed. */
  readonly first: Promise<Record<string, unknown>>;
  /** Every JSON line it printed, in order. */
  readonly lines: Record<string, unknown>[];
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 3000). */
  stop(graceMs?: number): Promise<void>;
}

/** Runs `bench/<relPath>` with `args`; `nodeFlags` go before the script (e.g. --expose-gc). */
export function startBenchChild(relPath: string, args: string[] = [], nodeFlags: string[] = []): BenchChild {
  const script = fileURLToPath(new URL(`../${relPath}`, import.meta.url));
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeFlags, "--conditions=source", "--import", "tsx", script, "--parent-pid", String(process.pid), ...args],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines: Record<string, unknown>[] = [];
  let resolveFirst!: (v: Record<string, unknown>) => void;
  let rejectFirst!: (e: Error) => void;
  const first = new Promise<Record<string, unknown>>((res, rej) => ((resolveFirst = res), (rejectFirst = rej)));
  first.catch(() => {});
  let buffer = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line.startsWith("{")) continue;
      try {
        const obj = JSON.parse(line) as Record<string, unknown>;
        lines.push(obj);
        if (lines.length === 1) resolveFirst(obj);
      } catch {
        /* not ours */
      }
    }
  });
  const exited = new Promise<number | null>((res) =>
    child.on("close", (code) => {
      rejectFirst(new Error(`${relPath} exited (code ${code}) before printing a line`));
      res(code);
    }),
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    pid: child.pid ?? 0,
    first,
    lines,
    exited,
    async stop(graceMs = 3000) {
      if (done) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** For child scripts: exit when the parent (given by --parent-pid) is gone, so no process is left behind. */
export function exitWithParent(argv: string[] = process.argv): void {
  const i = argv.indexOf("--parent-pid");
  const parent = i >= 0 ? Number(argv[i + 1]) : NaN;
  if (!Number.isInteger(parent)) return;
  const timer = setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
  }, 1000);
  timer.unref();
  process.on("SIGTERM", () => process.exit(0));
}
