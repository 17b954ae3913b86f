/**
 * Re-reads the config file when it changes and applies the settings that can change live.
 * Watches the file's directory, not the file: editors that save by writing a temp file and
 * renaming it over the original replace the inode, and a watch on the old inode goes deaf.
 * A Kubernetes ConfigMap mounted as a volume never changes the file either: the file is a
 * symlink into `..data/`, and the kubelet swaps the `..data` symlink to a new directory, so
 * events named `..something` count too (the reload only reports settings that really changed).
 */
import { watch } from "node:fs";
import type { FSWatcher } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { ConfigError, loadPeerConfig } from "./load-peer-config.js";
import { LIVE_SETTINGS, crossFieldProblems } from "./peer-config.js";
import type { PeerConfig, SettingKey } from "./peer-config.js";

export interface ConfigWatchOptions {
  /** The flags and environment the peer started with: they still override the file on reload. */
  argv: string[];
  env: NodeJS.ProcessEnv;
  /** As given to loadPeerConfig. Default process.cwd(). */
  cwd?: string;
  /**
   * Live settings changed: `next` is the current config with them applied, `changedKeys`
   * lists them. `needsRestart` lists changed settings that were NOT applied (reported once
   * per distinct change).
   */
  onChange(next: PeerConfig, changedKeys: SettingKey[], needsRestart: SettingKey[]): void;
  /** The file is unreadable or invalid; the message names the field. Current settings stay. */
  onError(err: Error): void;
  /** Quiet period after the last file event before re-reading. Default 100 ms: editors save in several writes. */
  debounceMs?: number;
}

export interface ConfigWatcher {
  close(): void;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Watches `path` (the file given with --config). `getCurrent` returns the settings in
 * effect, so changes are computed against what the peer really runs with.
 */
export function watchConfigFile(path: string, getCurrent: () => PeerConfig, opts: ConfigWatchOptions): ConfigWatcher {
  const file = resolve(path);
  const name = basename(file);
  const debounceMs = opts.debounceMs ?? 100;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let lastRestartReport = "[]";

  const reload = () => {
    timer = undefined;
    if (closed) return;
    let loaded: PeerConfig;
    try {
      const r = loadPeerConfig(opts.argv, opts.env, { cwd: opts.cwd });
      if (!("config" in r)) return;
      loaded = r.config;
    } catch (err) {
      opts.onError(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    const current = getCurrent();
    const keys = Object.keys(loaded) as (keyof PeerConfig)[];
    const changed = keys.filter((k) => !sameValue(loaded[k], current[k]));
    const live = changed.filter((k) => LIVE_SETTINGS.has(k));
    const restart = changed.filter((k) => !LIVE_SETTINGS.has(k));
    const next = { ...current } as Record<keyof PeerConfig, unknown>;
    for (const k of live) next[k] = loaded[k];
    const applied = next as PeerConfig;
    // The file may be valid as a whole yet not with the running, not-reloadable values
    // (W raised together with R: R needs a restart, so W alone would break W ≤ R).
    const problem = crossFieldProblems(applied).find((p) => live.includes(p.key) || live.includes(p.other));
    if (problem) {
      const culprit = live.includes(problem.key) ? problem.key : problem.other;
      const message = culprit === problem.key ? problem.message : problem.otherMessage;
      opts.onError(new ConfigError(`${path}: ${culprit}: ${message} with the running settings (changing ${problem.key === culprit ? problem.other : problem.key} needs a restart)`, culprit));
      return;
    }
    const restartReport = JSON.stringify(restart.map((k) => [k, loaded[k]]));
    const reportRestart = restartReport !== lastRestartReport;
    lastRestartReport = restartReport;
    if (live.length > 0 || (reportRestart && restart.length > 0)) {
      opts.onChange(applied, live, reportRestart ? restart : []);
    }
  };

  const schedule = () => {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(reload, debounceMs);
  };

  let watcher: FSWatcher;
  try {
    watcher = watch(dirname(file), (_event, filename) => {
      // filename can be null on some platforms: then any event in the dir may be ours.
      if (filename === null || filename === name || filename.startsWith("..")) schedule();
    });
  } catch (err) {
    throw new ConfigError(`${path}: cannot watch its directory (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  watcher.on("error", (err) => opts.onError(new ConfigError(`${path}: watching stopped (${err.message})`)));

  return {
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      watcher.close();
    },
  };
}
