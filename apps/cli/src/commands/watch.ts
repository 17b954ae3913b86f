/**
 * `p2p watch KEY [--interval MS]`: prints each new version of a key. The peer has no watch RPC,
 * so this polls Get and prints only when the version changes, and one line when the key is
 * deleted (or absent). Survives the peer being briefly unreachable. Stops on Ctrl-C with exit 0. With --json, one JSON object per line.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { unaryCall } from "../clients.js";
import { versionText, type CommandContext } from "../context.js";
import { describeFailure, networkCause } from "../errors.js";
import { parsePositiveInt, validateKey } from "../options.js";

type Seen = { t: "unknown" } | { t: "absent" } | { t: "value"; version: string };

export async function watch(ctx: CommandContext, key: string, flags: { interval?: string }): Promise<void> {
  validateKey(key);
  const intervalMs = flags.interval === undefined ? 1000 : parsePositiveInt(flags.interval, "--interval", 10, 3600_000);
  let seen: Seen = { t: "unknown" };
  let outage = false;
  const out = (json: object, text: string) => ctx.stdout.write((ctx.opts.json ? JSON.stringify(json) : text) + "\n");
  while (!ctx.signal.aborted) {
    try {
      const r = await ctx.client.get({ key }, unaryCall(ctx.opts, ctx.signal));
      outage = false;
      const v = r.version;
      const version = v ? `${v.wallTimeMs}.${v.logical}.${v.writer}` : "";
      if (seen.t !== "value" || seen.version !== version) {
        seen = { t: "value", version };
        out({ event: "value", key, value: r.value, version: r.version ? { wallTimeMs: String(r.version.wallTimeMs), logical: r.version.logical, writer: r.version.writer } : null }, `${versionText(v)}\t${r.value}`);
      }
    } catch (err) {
      if (ctx.signal.aborted) break;
      const code = err instanceof ConnectError ? err.code : undefined;
      const unreachable = code === Code.Unavailable || code === Code.DeadlineExceeded || networkCause(err) !== undefined;
      // A watch outlives a peer's restart (but not a wrong --peer): say so once, keep polling.
      if (unreachable && seen.t !== "unknown") {
        if (!outage) ctx.stderr.write(`p2p: watch ${JSON.stringify(key)}: ${describeFailure(err, { peer: ctx.opts.peer }).message}; retrying\n`);
        outage = true;
      } else if (code === Code.NotFound) {
        outage = false;
        if (seen.t !== "absent") {
          out({ event: "absent", key }, seen.t === "unknown" ? "(not found)" : "(deleted)");
          seen = { t: "absent" };
        }
      } else {
        throw err;
      }
    }
    await sleep(intervalMs, undefined, { signal: ctx.signal }).catch(() => {});
  }
}
