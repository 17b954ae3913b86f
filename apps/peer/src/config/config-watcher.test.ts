import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { watchConfigFile } from "./config-watcher.js";
import { loadPeerConfig } from "./load-peer-config.js";
import type { PeerConfig, SettingKey } from "./peer-config.js";

type Event =
  | { t: "change"; next: PeerConfig; changed: SettingKey[]; restart: SettingKey[] }
  | { t: "error"; err: Error };

test("live reload applies live settings, reports restart-only ones, keeps settings on a bad file", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "p2p-watch-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "peer.json");
  writeFileSync(path, JSON.stringify({ writeQuorum: 2, logLevel: "info" }));
  // The flag keeps overriding the file on every reload.
  const argv = ["--config", path, "--read-quorum", "1", "--consistency", "weak"];
  const loaded = loadPeerConfig(argv, {}, { cwd: dir });
  assert.ok("config" in loaded);
  let current = loaded.config;

  const events: Event[] = [];
  let wake: (() => void) | undefined;
  const push = (e: Event) => {
    events.push(e);
    wake?.();
  };
  const watcher = watchConfigFile(path, () => current, {
    argv,
    env: {},
    cwd: dir,
    debounceMs: 50,
    onChange: (next, changed, restart) => push({ t: "change", next, changed, restart }),
    onError: (err) => push({ t: "error", err }),
  });
  t.after(() => watcher.close());

  async function nextEvent(ms = 10_000): Promise<Event> {
    const deadline = Date.now() + ms;
    while (events.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no config event within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
    return events.shift()!;
  }

  writeFileSync(path, JSON.stringify({ writeQuorum: 1, logLevel: "debug" }));
  let e = await nextEvent();
  assert.equal(e.t, "change");
  assert.deepEqual(e.changed.sort(), ["logLevel", "writeQuorum"]);
  assert.deepEqual(e.restart, []);
  assert.equal(e.next.writeQuorum, 1);
  assert.equal(e.next.logLevel, "debug");
  current = e.next;

  writeFileSync(path, JSON.stringify({ writeQuorum: "two" }));
  e = await nextEvent();
  assert.equal(e.t, "error");
  assert.match(e.err.message, /peer\.json: writeQuorum: expected number, got string "two"/);
  assert.equal(current.writeQuorum, 1, "old settings stay");

  // Saved the way many editors do: write a temp file, rename it over the original.
  const tmp = join(dir, ".peer.json.swp");
  writeFileSync(tmp, JSON.stringify({ writeQuorum: 3, readQuorum: 3, port: 8123 }));
  renameSync(tmp, path);
  e = await nextEvent();
  assert.equal(e.t, "change");
  assert.deepEqual(e.changed.sort(), ["logLevel", "writeQuorum"], "logLevel returns to its default; readQuorum stays the flag's");
  assert.equal(e.next.readQuorum, 1);
  assert.equal(e.next.writeQuorum, 3);
  assert.equal(e.next.port, current.port, "port is not applied live");
  // The default data dir follows the port, so it changes too.
  assert.deepEqual(e.restart.sort(), ["dataDir", "port"]);
  current = e.next;

  // Valid on its own, but W=4 needs R=4, which needs a restart: rejected, W stays 3.
  writeFileSync(path, JSON.stringify({ writeQuorum: 4, replicationFactor: 4, port: 8123 }));
  e = await nextEvent();
  assert.equal(e.t, "error");
  assert.match(e.err.message, /writeQuorum: must be ≤ replication factor \(3\)/);
  assert.equal(current.writeQuorum, 3);
});

test("a mounted Kubernetes ConfigMap updated by the kubelet (a ..data symlink swapped, the file itself untouched) is applied", async (t) => {
  // The kubelet's layout: peer.json → ..data/peer.json, ..data → ..<timestamp>/; an update
  // writes a new ..<timestamp>/ and renames a new ..data symlink over the old one.
  const dir = mkdtempSync(join(tmpdir(), "p2p-watch-cm-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "..t1"));
  writeFileSync(join(dir, "..t1", "peer.json"), JSON.stringify({ logLevel: "info" }));
  symlinkSync("..t1", join(dir, "..data"));
  symlinkSync("..data/peer.json", join(dir, "peer.json"));
  const path = join(dir, "peer.json");
  const argv = ["--config", path];
  const loaded = loadPeerConfig(argv, {}, { cwd: dir });
  assert.ok("config" in loaded);
  const changes: PeerConfig[] = [];
  const watcher = watchConfigFile(path, () => loaded.config, {
    argv,
    env: {},
    cwd: dir,
    debounceMs: 50,
    onChange: (next) => changes.push(next),
    onError: (err) => assert.fail(err),
  });
  t.after(() => watcher.close());

  mkdirSync(join(dir, "..t2"));
  writeFileSync(join(dir, "..t2", "peer.json"), JSON.stringify({ logLevel: "debug" }));
  symlinkSync("..t2", join(dir, "..data_tmp"));
  renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
  rmSync(join(dir, "..t1"), { recursive: true });

  const deadline = Date.now() + 5000;
  while (changes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(changes[0]?.logLevel, "debug", "the new ConfigMap's settings were applied");
});
