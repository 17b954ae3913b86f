#!/usr/bin/env node
/**
 * The peer daemon's entry point: configuration, logging, signals, config hot reload and
 * parent watching around startPeer(). Exit codes: 0 clean stop, 1 failure at run time,
 * 2 invalid configuration.
 */
import { ConfigError, loadPeerConfig } from "./config/load-peer-config.js";
import { watchConfigFile } from "./config/config-watcher.js";
import { createLogger } from "./observability/logger.js";
import { startPeer, type RunningPeer } from "./peer.js";

const PARENT_CHECK_MS = 1000;

async function main(): Promise<number | undefined> {
  const argv = process.argv.slice(2);
  let loaded;
  try {
    loaded = loadPeerConfig(argv, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`peer: ${err.message}\n(run with --help for the list of settings)\n`);
      return 2;
    }
    throw err;
  }
  if ("help" in loaded) {
    process.stdout.write(loaded.help);
    return 0;
  }
  if ("version" in loaded) {
    process.stdout.write(`${loaded.version}\n`);
    return 0;
  }
  let config = loaded.config;
  const logger = createLogger({ level: config.logLevel });
  for (const w of loaded.warnings) logger.warn({}, w);

  // Signal handlers go in before the peer announces itself: a launcher may send SIGTERM the
  // moment it reads "peer ready", and the default action would skip the graceful stop.
  let signalled: string | undefined;
  let onSignal = (reason: string) => {
    signalled ??= reason;
  };
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  process.once("SIGINT", () => onSignal("SIGINT"));

  let peer: RunningPeer;
  try {
    peer = await startPeer({
      config,
      logger,
      // Never prompt when stdin is not a terminal (CI, fleets, pipes).
      interactive: process.stdin.isTTY ? { input: process.stdin, output: process.stderr } : undefined,
    });
  } catch (err) {
    logger.fatal({ error: (err as Error).message }, "peer failed to start");
    return 1;
  }

  const watcher = loaded.configPath
    ? watchConfigFile(loaded.configPath, () => config, {
        argv,
        env: process.env,
        onChange(next, changed, needsRestart) {
          if (needsRestart.length > 0) logger.warn({ settings: needsRestart }, "these settings change only after a restart");
          if (changed.length > 0) peer.applySettings(next, changed);
          config = next;
        },
        onError(err) {
          logger.error({ error: err.message }, "config file rejected; keeping the running settings");
        },
      })
    : undefined;

  return new Promise<number>((done) => {
    // Explicit keep-alive while serving; released once the peer has stopped.
    const keepAlive = setInterval(() => {}, 1 << 30);
    const resolve = (code: number) => {
      clearInterval(keepAlive);
      done(code);
    };
    let stopping = false;
    const shutdown = (reason: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ reason }, "shutting down");
      const force = setTimeout(() => {
        logger.error({ timeoutMs: config.shutdownTimeoutMs }, "shutdown took too long; exiting");
        resolve(1);
      }, config.shutdownTimeoutMs);
      force.unref();
      watcher?.close();
      peer.stop().then(
        () => {
          clearTimeout(force);
          logger.info({}, "stopped");
          resolve(0);
        },
        (err) => {
          logger.error({ error: (err as Error).message }, "error while stopping");
          resolve(1);
        },
      );
    };
    onSignal = shutdown;
    if (signalled) shutdown(signalled);
    if (config.parentPid !== undefined) {
      // The fleet controller passes its pid: when it dies we are re-parented, and exit.
      const parentPid = config.parentPid;
      const timer = setInterval(() => {
        if (process.ppid !== parentPid) {
          clearInterval(timer);
          shutdown(`parent ${parentPid} exited`);
        }
      }, PARENT_CHECK_MS);
      timer.unref();
      if (process.ppid !== parentPid) shutdown(`parent ${parentPid} is not our parent`);
    }
  });
}

main().then(
  (code) => {
    // Give pino's async stdout a moment to drain, then exit with the code.
    process.exitCode = code ?? 0;
    setTimeout(() => process.exit(code ?? 0), 50).unref();
  },
  (err) => {
    process.stderr.write(`peer: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
