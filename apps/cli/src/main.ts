#!/usr/bin/env node
/**
 * p2p: the command-line client of the network. Wires commander to the commands; every
 * failure ends here as one line on stderr and an exit code (errors.ts).
 */
import { Command, CommanderError, Option } from "commander";
import { registerBatchCommands } from "./batch-commands.js";
import { del } from "./commands/delete.js";
import { DEFAULT_PARALLEL, download, MAX_PARALLEL, type DownloadFlags } from "./commands/download.js";
import { get } from "./commands/get.js";
import { keygen } from "./commands/keygen.js";
import { getOwned, putOwned, type OwnedPutFlags } from "./commands/owned.js";
import { ls } from "./commands/ls.js";
import { peers } from "./commands/peers.js";
import { put } from "./commands/put.js";
import { status } from "./commands/status.js";
import { upload } from "./commands/upload.js";
import { watch } from "./commands/watch.js";
import { createContext, type CommandContext } from "./context.js";
import { describeFailure, ExitCode, usageError } from "./errors.js";
import { DEFAULT_PEER, DEFAULT_TIMEOUT_MS, resolveGlobalOptions, type GlobalOptions, type RawGlobalOptions } from "./options.js";

const EPILOG = `
Exit codes:
  0  ok
  1  other error
  2  usage: bad arguments, bad key, unreadable input file
  3  not found (key, file)
  4  unavailable: cannot connect, peer unavailable, deadline exceeded
  5  invalid argument or rejected by the peer (too large, out of range, …)
  6  data corrupt (hash mismatch)

Environment:
  P2P_PEER  the peer to talk to when --peer is not given (default ${DEFAULT_PEER})

Examples:
  $ p2p put greeting hello
  $ echo '{"a":1}' | p2p put config -
  $ p2p get greeting --trace
  $ p2p --peer http://127.0.0.1:8002 --json ls --prefix gr
  $ id=$(p2p upload photo.jpg) && p2p download "$id" -o copy.jpg
  $ p2p status
  $ p2p load users.ndjson                  # {"key":…,"value":…} per line, PutMany batches
  $ p2p get-many user:1 user:2             # key<TAB>value per line; exit 3 if any missing
  $ p2p delete-many --keys-from old-keys.txt`;

/** Lets a command say that Ctrl-C is its normal end (watch). */
interface Running {
  interruptIsSuccess: boolean;
}

// `p2p ls | head`: the reader went away; that ends the command, it is not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

const abort = new AbortController();
let interrupts = 0;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (++interrupts > 1) process.exit(130);
    abort.abort();
  });
}

function fail(message: string, code: number): void {
  process.stderr.write(`p2p: ${message}\n`);
  process.exitCode = code;
}

/** The action of a subcommand: builds the context, runs, and turns any failure into one line. */
function action<A extends unknown[]>(describe: (first: string) => string, run: (ctx: CommandContext, ...args: A) => Promise<void>, running: Running = { interruptIsSuccess: false }) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const commandArgs = args.slice(0, cmd.registeredArguments.length + 1) as A; // positional args, then the command's options
    let opts: GlobalOptions;
    try {
      opts = resolveGlobalOptions(cmd.optsWithGlobals() as RawGlobalOptions);
    } catch (err) {
      const { message, exitCode } = describeFailure(err);
      return fail(message, exitCode);
    }
    try {
      await run(createContext(opts, abort.signal), ...commandArgs);
      if (abort.signal.aborted && !running.interruptIsSuccess) fail("interrupted", 130);
    } catch (err) {
      if (abort.signal.aborted) {
        if (running.interruptIsSuccess) return;
        return fail("interrupted", 130);
      }
      const { message, exitCode } = describeFailure(err, { action: describe(String(commandArgs[0])), peer: opts.peer });
      fail(message, exitCode);
    }
  };
}

const program = new Command("p2p")
  .description("Command-line client of the p2p network: records, files and the state of the network, through one peer.")
  .version("0.1.0")
  .addOption(new Option("--peer <url>", "peer to talk to (its HTTP port)").env("P2P_PEER").default(undefined, DEFAULT_PEER))
  .option("--json", "machine-readable output: one JSON document on stdout")
  .option("--timeout <ms>", `deadline of each call; for upload/download, the longest wait without progress (default ${DEFAULT_TIMEOUT_MS})`)
  .option("-q, --quiet", "no progress bar and no informational output")
  .addHelpText("after", EPILOG)
  .exitOverride()
  .configureOutput({ outputError: (str, write) => write(`p2p: ${str.replace(/^error: /, "")}`) });

program
  .command("put")
  .description("store VALUE under KEY on the key's replicas; with --sign, an owned record signed here with your key")
  .argument("<key>", '1 to 1024 bytes of UTF-8; with --sign, the record\'s name under your key (its salt), "-" for none')
  .argument("<value>", 'the value, or "-" to read it from stdin')
  .option("--trace", "also print the request's spans: lookup, each replica's store with outcome and time, the quorum")
  .option("--sign <keyfile>", "sign with this owner key (p2p keygen); the private key never leaves this machine")
  .option("--salt <salt>", "with --sign: the record's name (instead of KEY)")
  .option("--seq <n|auto>", "with --sign: the record's sequence number; auto (default) = current + 1")
  .option("--cas <n>", "with --sign: store only if the current seq is n")
  .addHelpText("after", "\nExamples:\n  $ p2p put greeting hello\n  $ p2p put report - < report.txt\n  $ p2p put greeting hello --trace\n  $ p2p put --sign owner.key profile '{\"name\":\"ada\"}'\n  $ p2p put --sign owner.key --seq 7 --cas 6 profile v7")
  .action(
    action(
      (key: string) => `put ${JSON.stringify(key)}`,
      (ctx, key: string, value: string, flags: { trace?: boolean } & Partial<OwnedPutFlags>) => {
        if (flags.sign !== undefined) return putOwned(ctx, key, value, { ...flags, sign: flags.sign });
        if (flags.salt !== undefined || flags.seq !== undefined || flags.cas !== undefined) return Promise.reject(usageError("--salt, --seq and --cas need --sign <keyfile>"));
        return put(ctx, key, value, flags);
      },
    ),
  );

program
  .command("get")
  .description("print the newest value of KEY; with --owner, an owned record, its signature verified here")
  .argument("[key]", 'the key; with --owner, the record\'s name (salt), "-" or nothing for none')
  .option("--trace", "also print the request's spans across peers: lookup rounds, replica reads, read repair, with outcome and time")
  .option("--owner <pubkey>", "read the owned record of this public key (64 hex digits)")
  .option("--salt <salt>", "with --owner: the record's name (instead of KEY)")
  .addHelpText("after", "\nExamples:\n  $ p2p get greeting\n  $ p2p get greeting --trace\n  $ p2p --json get greeting | jq -r .value\n  $ p2p get --owner 3b6a…(64 hex digits) profile")
  .action(
    action(
      (key: string) => `get ${JSON.stringify(key)}`,
      (ctx, key: string | undefined, flags: { trace?: boolean; owner?: string; salt?: string }) => {
        if (flags.owner !== undefined) return getOwned(ctx, key, { ...flags, owner: flags.owner });
        if (key === undefined) return Promise.reject(usageError("KEY is required (or --owner <pubkey>)"));
        return get(ctx, key, flags);
      },
    ),
  );

program
  .command("keygen")
  .description("make an owner key for signed records: the private key to FILE (mode 0600), the public key printed")
  .option("-o, --output <file>", "where to write the private key (never overwritten)", "owner.key")
  .addHelpText("after", "\nExample:\n  $ p2p keygen -o ~/.p2p/owner.key\n  3b6a…(64 hex digits: your public key)")
  .action(action(() => "keygen", (ctx, flags: { output?: string }) => keygen(ctx, flags)));

program
  .command("delete")
  .description("delete KEY (writes a tombstone to its replicas)")
  .argument("<key>")
  .addHelpText("after", "\nExample:\n  $ p2p delete greeting")
  .action(action((key: string) => `delete ${JSON.stringify(key)}`, (ctx, key: string) => del(ctx, key)));

program
  .command("ls")
  .description("list the records this peer holds (key, size or \"deleted\", version), in key order")
  .option("--prefix <prefix>", "only keys starting with this")
  .option("--limit <n>", "at most this many records (default: all)")
  .addHelpText("after", "\nExamples:\n  $ p2p ls --prefix user: --limit 20\n  $ p2p --peer http://127.0.0.1:8003 ls")
  .action(action(() => "ls", (ctx, flags: { prefix?: string; limit?: string }) => ls(ctx, flags)));

program
  .command("upload")
  .description("upload FILE (streamed, progress bar on a TTY); prints the file ID")
  .argument("<file>")
  .option("--name <name>", "name stored in the manifest (default: FILE's base name)")
  .option("--type <media-type>", "media type (default: guessed by the peer from the name)")
  .option("--limit-rate <rate>", "at most this many bytes per second, e.g. 500k, 2M")
  .addHelpText("after", "\nExample:\n  $ p2p upload photo.jpg\n  3f9a…(64 hex digits)")
  .action(action((file: string) => `upload ${JSON.stringify(file)}`, (ctx, file: string, flags: { name?: string; type?: string; limitRate?: string }) => upload(ctx, file, flags)));

program
  .command("download")
  .description("download file ID, chunks fetched in parallel and verified as each arrives; an interrupted download resumes from FILE.part on rerun")
  .argument("<id>", "file ID (64 hex digits)")
  .option("-o, --output <file>", "where to write it (default: the name in the manifest)")
  .option("--limit-rate <rate>", "at most this many bytes per second, e.g. 500k, 2M")
  .option("--parallel <n>", `chunks fetched at once, 1–${MAX_PARALLEL} (default ${DEFAULT_PARALLEL})`)
  .addHelpText("after", "\nExamples:\n  $ p2p download 3f9a… -o photo.jpg\n  $ p2p download 3f9a… -o photo.jpg   # again after Ctrl-C: continues where it stopped")
  .action(action((id: string) => `download ${id.slice(0, 12)}`, (ctx, id: string, flags: DownloadFlags) => download(ctx, id, flags)));

program
  .command("status")
  .description("the network at a glance: this peer, its routing table and replication health, and the health of every peer it knows")
  .addHelpText("after", "\nExample:\n  $ p2p status")
  .action(action(() => "status", (ctx) => status(ctx)));

program
  .command("peers")
  .description("the contacts in this peer's routing table: ID, address, last seen")
  .addHelpText("after", "\nExample:\n  $ p2p --json peers")
  .action(action(() => "peers", (ctx) => peers(ctx)));

program
  .command("watch")
  .description("print each new version of KEY as it appears (polls Get), and a line when it is deleted; Ctrl-C stops")
  .argument("<key>")
  .option("--interval <ms>", "poll interval in milliseconds", "1000")
  .addHelpText("after", "\nExample:\n  $ p2p watch greeting --interval 500")
  .action(action((key: string) => `watch ${JSON.stringify(key)}`, (ctx, key: string, flags: { interval?: string }) => watch(ctx, key, flags), { interruptIsSuccess: true }));

registerBatchCommands(program, action);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    const ok = err.code === "commander.helpDisplayed" || err.code === "commander.version";
    process.exitCode = ok ? ExitCode.ok : ExitCode.usage;
  } else {
    fail(describeFailure(err).message, describeFailure(err).exitCode);
  }
}
