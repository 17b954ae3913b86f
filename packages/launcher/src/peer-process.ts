import { spawn, type ChildProcess } from "node:child_process";
import { LineRing, LineSplitter } from "./log-lines.js";
import { assertPeerMainExists, defaultPeerMain } from "./peer-binary.js";
import { parseReadyLine, type PeerReady } from "./ready-line.js";

/** Options of `startPeer`. Every field but `dataDir` has a default. */
export interface StartPeerOptions {
  /** The peer's data dir (identity key, records, routing table). Required: it is what makes a restart keep its ID. */
  dataDir: string;
  /** Entry point of the peer daemon. Default: this repository's apps/peer/dist/main.js. */
  peerMain?: string;
  /** Node executable. Default: `process.execPath` (never npx: it leaves a process tree a PID kill misses). */
  nodeBinary?: string;
  /** Flags for node itself, before the peer's entry point (e.g. V8 heap sizes). Default `DEFAULT_PEER_NODE_ARGS`; `[]` for none. */
  nodeArgs?: readonly string[];
  /**
   * A command the node process runs under, e.g. `["ip", "netns", "exec", "h1"]` to start the
   * peer on a test host in a network namespace. It must exec node (not fork it), so that the
   * PID, signals and exit status are the peer's own. Default: none.
   */
  prefix?: readonly string[];
  /** Bind host (`--host`). Default "127.0.0.1". */
  host?: string;
  /** HTTP API port (`--port`). Default 0: the OS picks and the ready line tells. */
  httpPort?: number;
  /** Peer-to-peer gRPC port (`--grpc-port`). Default 0. */
  grpcPort?: number;
  /** host:grpcPort of peers to join through (`--bootstrap`, repeated). Default none. */
  bootstrap?: readonly string[];
  /**
   * Passed as `--parent-pid`: the peer exits when that process stops being its parent, so a
   * `kill -9` of the launching process leaves no orphan. Default `process.pid`; null omits it.
   */
  parentPid?: number | null;
  /** Further flags, appended after the ones above (e.g. ["--replication-factor", "3"]). */
  args?: readonly string[];
  /** Extra environment variables, merged over `process.env` (itself over DEFAULT_PEER_ENV). */
  env?: Readonly<Record<string, string | undefined>>;
  /** How long to wait for the ready line before killing the process. Default 30000 ms. */
  readyTimeoutMs?: number;
  /** Recent stdout/stderr lines kept. Default 500. Ignored when `logs` is given. */
  logLines?: number;
  /** Continue an existing ring (e.g. the previous run of the same peer) instead of a new one. */
  logs?: LineRing;
  /** Longer lines are truncated. Default 16384 characters. */
  maxLineChars?: number;
}

/**
 * Node flags every launched peer gets unless told otherwise. An idle peer's heap is small, but
 * V8 sizes the young generation for throughput (16 MiB semi-spaces on 64-bit): capping it at
 * 1 MiB cut a lone idle peer's RSS from ~107 to ~87 MiB and its PSS from ~67 to ~46 MiB here,
 * and scavenges of a 1 MiB space take well under a millisecond, so get/put latency moves by
 * less than the noise of a shared machine (see the commit that set it).
 */
export const DEFAULT_PEER_NODE_ARGS: readonly string[] = ["--max-semi-space-size=1"];

/**
 * Environment every launched peer gets unless its own environment sets the same variable.
 * glibc's malloc raises its mmap and trim thresholds (up to 32 / 64 MiB) each time a large
 * block is freed, after which freed memory stays in the process: parsing the peer's bundle and
 * the first joins free such blocks, and an idle peer among 60 kept ~9 MiB more anonymous
 * memory (53.9 against 44.9 MiB median; bench/results/profiles-2026-11-29.md). Setting the trim
 * threshold turns that adjustment off, so both stay at glibc's defaults (128 KiB) and freed
 * memory goes back to the system. Other C libraries ignore the variable.
 */
export const DEFAULT_PEER_ENV: Readonly<Record<string, string>> = {
  GLIBC_TUNABLES: "glibc.malloc.trim_threshold=131072",
};

/** Node flags only: anything else would be taken as the script to run. */
function validNodeArgs(args: readonly string[]): readonly string[] {
  for (const a of args) {
    if (typeof a !== "string" || !a.startsWith("--")) throw new RangeError(`nodeArgs: each must be a "--flag", got ${JSON.stringify(a)}`);
  }
  return args;
}

/** How a peer process ended: exactly one of code/signal is set (code -1 when it never started). */
export interface PeerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export type PeerProcessState = "starting" | "running" | "stopping" | "exited";

/** The process exited (or timed out) before printing its ready line. Carries its last log lines. */
export class PeerStartError extends Error {
  constructor(
    message: string,
    readonly lastLines: string[],
    readonly exit?: PeerExit,
  ) {
    super(lastLines.length ? `${message}; last log lines:\n${lastLines.join("\n")}` : message);
    this.name = "PeerStartError";
  }
}

/** "code 1", "SIGKILL", or "spawn failed". */
export function describeExit(exit: PeerExit): string {
  if (exit.signal) return exit.signal;
  return exit.code === -1 ? "spawn failed" : `code ${exit.code}`;
}

/**
 * Starts one peer daemon as a child process and returns at once (state "starting"); await
 * `ready` for its ID and addresses. The caller owns the process: stop or kill it when done
 * (`exited` settles either way).
 */
export function startPeer(options: StartPeerOptions): PeerProcess {
  return new PeerProcess(options);
}

/** A running (or finished) peer daemon child process. Create it with `startPeer`. */
export class PeerProcess {
  /** Resolves with the ready line; rejects with `PeerStartError` if the process ends or times out first. */
  readonly ready: Promise<PeerReady>;
  /** Settles when the process has exited, however that happened; never rejects. */
  readonly exited: Promise<PeerExit>;
  readonly dataDir: string;
  readonly startedAt = Date.now();
  #child: ChildProcess;
  #logs: LineRing;
  #state: PeerProcessState = "starting";
  #info: PeerReady | undefined;
  #exit: PeerExit | undefined;

  constructor(options: StartPeerOptions) {
    const peerMain = options.peerMain ?? defaultPeerMain;
    assertPeerMainExists(peerMain);
    this.dataDir = options.dataDir;
    this.#logs = options.logs ?? new LineRing(options.logLines ?? 500);
    const args = [
      ...validNodeArgs(options.nodeArgs ?? DEFAULT_PEER_NODE_ARGS),
      peerMain,
      "--host", options.host ?? "127.0.0.1",
      "--port", String(options.httpPort ?? 0),
      "--grpc-port", String(options.grpcPort ?? 0),
      "--data-dir", options.dataDir,
      ...(options.bootstrap ?? []).flatMap((b) => ["--bootstrap", b]),
      ...(options.parentPid === null ? [] : ["--parent-pid", String(options.parentPid ?? process.pid)]),
      ...(options.args ?? []),
    ];
    // Own process group (detached): a Ctrl-C in the launcher's terminal reaches only the
    // launcher, which then stops its peers in order instead of racing them.
    const node = options.nodeBinary ?? process.execPath;
    const [command, ...commandArgs] = options.prefix?.length ? [...options.prefix, node, ...args] : [node, ...args];
    this.#child = spawn(command!, commandArgs, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...DEFAULT_PEER_ENV, ...process.env, ...options.env },
      detached: true,
    });

    let resolveReady!: (info: PeerReady) => void;
    let rejectReady!: (err: Error) => void;
    this.ready = new Promise((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    this.ready.catch(() => {}); // callers that never await `ready` must not crash the process

    let resolveExited!: (exit: PeerExit) => void;
    this.exited = new Promise((res) => (resolveExited = res));

    const maxLineChars = options.maxLineChars ?? 16_384;
    const stdout = new LineSplitter(maxLineChars, (line) => {
      this.#logs.push(line);
      if (this.#info) return;
      try {
        const info = parseReadyLine(line);
        if (!info) return;
        this.#info = info;
        if (this.#state === "starting") this.#state = "running";
        clearTimeout(readyTimer);
        resolveReady(info);
      } catch (err) {
        this.#fail(rejectReady, (err as Error).message);
      }
    });
    const stderr = new LineSplitter(maxLineChars, (line) => this.#logs.push(line));
    this.#child.stdout!.setEncoding("utf8").on("data", (c: string) => stdout.write(c));
    this.#child.stderr!.setEncoding("utf8").on("data", (c: string) => stderr.write(c));

    const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
    const readyTimer = setTimeout(
      () => this.#fail(rejectReady, `peer did not print its ready line within ${readyTimeoutMs} ms`),
      readyTimeoutMs,
    );

    const finish = (exit: PeerExit) => {
      if (this.#exit) return;
      stdout.end();
      stderr.end();
      clearTimeout(readyTimer);
      this.#exit = exit;
      this.#state = "exited";
      if (!this.#info) {
        rejectReady(new PeerStartError(`peer exited before it was ready (${describeExit(exit)})`, this.#logs.recent(50), exit));
      }
      resolveExited(exit);
    };
    // "close" (not "exit") so that the last output lines are captured before we report.
    this.#child.on("close", (code, signal) => finish({ code, signal }));
    this.#child.on("error", (err) => {
      this.#logs.push(`launcher: ${err.message}`);
      if (this.#child.pid === undefined) finish({ code: -1, signal: null });
    });
  }

  #fail(rejectReady: (err: Error) => void, message: string): void {
    rejectReady(new PeerStartError(message, this.#logs.recent(50)));
    this.kill();
  }

  /** OS process ID (0 if spawning failed). */
  get pid(): number {
    return this.#child.pid ?? 0;
  }

  get state(): PeerProcessState {
    return this.#state;
  }

  /** Peer ID once ready. */
  get id(): string | undefined {
    return this.#info?.id;
  }

  /** host:port of the HTTP API once ready. */
  get httpAddress(): string | undefined {
    return this.#info?.httpAddress;
  }

  /** host:port of the gRPC server once ready. */
  get grpcAddress(): string | undefined {
    return this.#info?.grpcAddress;
  }

  /** The ready line's fields, once ready. */
  get info(): PeerReady | undefined {
    return this.#info;
  }

  /** How it exited, once it has. */
  get exit(): PeerExit | undefined {
    return this.#exit;
  }

  /** The most recent `limit` log lines (stdout and stderr), oldest first. */
  logs(limit?: number): string[] {
    return this.#logs.recent(limit);
  }

  /** The ring that holds this process's log lines (pass it to the next run of the same peer). */
  get logRing(): LineRing {
    return this.#logs;
  }

  /** Sends any signal (e.g. SIGSTOP/SIGCONT to freeze a peer in a test). False if it has exited. */
  signal(sig: NodeJS.Signals): boolean {
    if (this.#exit || this.#child.pid === undefined) return false;
    try {
      return this.#child.kill(sig);
    } catch {
      return false;
    }
  }

  /**
   * Graceful stop: SIGTERM (the peer hands off its records and exits), then SIGKILL if it is
   * still there after `graceMs` (default 10000). Resolves when it has exited.
   */
  async stop(graceMs = 10_000): Promise<PeerExit> {
    if (this.#exit) return this.#exit;
    this.#state = "stopping";
    this.signal("SIGCONT"); // a SIGSTOPped peer cannot act on SIGTERM
    this.signal("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<"grace-over">((res) => (timer = setTimeout(() => res("grace-over"), graceMs)));
    const first = await Promise.race([this.exited, graceOver]);
    clearTimeout(timer);
    if (first === "grace-over") return this.kill();
    return first;
  }

  /** SIGKILL, no hand-off. Resolves when it has exited. */
  kill(): Promise<PeerExit> {
    this.signal("SIGKILL");
    return this.exited;
  }
}
