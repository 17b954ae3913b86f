/**
 * The commander wiring of the batch commands (load, get-many, delete-many), kept out of
 * main.ts so that file stays readable; main.ts passes in its `action` wrapper.
 */
import type { Command } from "commander";
import { deleteMany } from "./commands/delete-many.js";
import { getMany } from "./commands/get-many.js";
import { load, type LoadFlags } from "./commands/load.js";
import type { CommandContext } from "./context.js";

export type ActionWrapper = <A extends unknown[]>(describe: (first: string) => string, run: (ctx: CommandContext, ...args: A) => Promise<void>) => (...args: unknown[]) => Promise<void>;

type KeysFlags = { batch?: string; parallel?: string; retries?: string; keysFrom?: string };

const BATCH = ["--batch <n>", "keys per call, 1 to 1000 (default 1000, the peer's limit; fewer go when values are large)"] as const;
const PARALLEL = ["--parallel <n>", "calls in flight at once, 1 to 64 (default 4)"] as const;
const RETRIES = ["--retries <n>", "tries more for a batch or key that failed for a passing reason (unavailable, deadline, rate limit), 0 to 10 (default 3)"] as const;
const KEYS_FROM = ["--keys-from <file>", 'also read keys from FILE, one per line ("-": stdin); empty lines are skipped'] as const;

export function registerBatchCommands(program: Command, action: ActionWrapper): void {
  program
    .command("load")
    .description("store many keys from NDJSON lines {\"key\": …, \"value\": …} (PutMany in batches), streamed; prints stored and failed counts")
    .argument("<file>", 'the NDJSON file, or "-" for stdin; blank lines are skipped, other fields ignored')
    .option(BATCH[0], BATCH[1])
    .option(PARALLEL[0], PARALLEL[1])
    .option(RETRIES[0], RETRIES[1])
    .option("--dry-run", "check every line and count the keys; send nothing")
    .addHelpText(
      "after",
      `
The file is read as it is sent, so its size does not matter. A malformed line stops the load
with exit 2 naming its line; the lines before it are stored (check first with --dry-run). When
a key appears on several lines, the last one wins. A key that fails does not stop the load.
A batch the peer could not finish in its deadline is retried as two halves, and keys that
failed as unavailable are retried alone (--retries). --timeout is per batch call.
Exit: 0 all stored; 5 when any key was rejected (invalid, too large); else 4 when keys failed
as unavailable; a connection failure that outlasts the retries stops the load (exit 4).

Examples:
  $ p2p load users.ndjson
  $ p2p --json load --batch 500 --parallel 8 - < users.ndjson
  $ p2p --json get-many --keys-from keys.txt | p2p --peer http://127.0.0.1:8003 load -`,
    )
    .action(action(() => "load", (ctx, file: string, flags: LoadFlags) => load(ctx, file, flags)));

  program
    .command("get-many")
    .description("print many keys (GetMany in batches): key<TAB>value per line; with --json one JSON object per line")
    .argument("[keys...]", "keys to read (and/or --keys-from)")
    .option(KEYS_FROM[0], KEYS_FROM[1])
    .option(BATCH[0], BATCH[1])
    .option(PARALLEL[0], PARALLEL[1])
    .option(RETRIES[0], RETRIES[1])
    .addHelpText(
      "after",
      `
Lines come in the order of the keys: key<TAB>value, key<TAB>(not found), key<TAB>(error: code
message). Values holding newlines or tabs are printed as they are; use --json for those.
An answer holds all its batch's values: with large values, a smaller --batch bounds memory.
Exit: 0 all found; 3 when keys were not found and none failed; else the failure's code (4, 5).

Examples:
  $ p2p get-many user:1 user:2 user:3
  $ p2p --json get-many --keys-from keys.txt > values.ndjson`,
    )
    .action(action(() => "get-many", (ctx, keys: string[], flags: KeysFlags) => getMany(ctx, keys, flags)));

  program
    .command("delete-many")
    .description("delete many keys (DeleteMany in batches); prints deleted and failed counts")
    .argument("[keys...]", "keys to delete (and/or --keys-from)")
    .option(KEYS_FROM[0], KEYS_FROM[1])
    .option(BATCH[0], BATCH[1])
    .option(PARALLEL[0], PARALLEL[1])
    .option(RETRIES[0], RETRIES[1])
    .addHelpText("after", "\nExit codes as for load.\n\nExamples:\n  $ p2p delete-many user:1 user:2\n  $ p2p ls --prefix tmp: | cut -f1 | p2p delete-many --keys-from -")
    .action(action(() => "delete-many", (ctx, keys: string[], flags: KeysFlags) => deleteMany(ctx, keys, flags)));
}
