import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadPeerConfig } from "./load-peer-config.js";
import type { LoadPeerConfigOptions } from "./load-peer-config.js";
import { SETTING_KEYS, SETTING_SOURCES } from "./peer-config.js";
import type { PeerConfig } from "./peer-config.js";

const CWD = join(tmpdir(), "p2p-cwd");
const noInterfaces: LoadPeerConfigOptions["networkInterfaces"] = () => ({});

function load(argv: string[], env: NodeJS.ProcessEnv = {}, opts: LoadPeerConfigOptions = {}): PeerConfig {
  const r = loadPeerConfig(argv, env, { cwd: CWD, networkInterfaces: noInterfaces, ...opts });
  assert.ok("config" in r, "expected a config");
  return r.config;
}

function rejects(argv: string[], env: NodeJS.ProcessEnv, message: string | RegExp): void {
  assert.throws(
    () => loadPeerConfig(argv, env, { cwd: CWD, networkInterfaces: noInterfaces }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
      if (typeof message === "string") assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    },
  );
}

function tempConfig(t: { after(fn: () => void): void }, content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "p2p-config-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "peer.json");
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

describe("loadPeerConfig", () => {
  test("defaults", () => {
    const c = load([]);
    assert.equal(c.host, "127.0.0.1");
    assert.equal(c.port, 8001);
    assert.equal(c.grpcPort, 9001);
    assert.equal(c.advertise, "127.0.0.1");
    assert.equal(c.dataDir, join(CWD, ".data", "peer-8001"));
    assert.deepEqual(c.bootstrap, []);
    assert.equal(c.logLevel, "info");
    assert.deepEqual([c.replicationFactor, c.writeQuorum, c.readQuorum], [3, 2, 2]);
    assert.deepEqual([c.maxValueBytes, c.maxKeyBytes], [1024 * 1024, 1024]);
    assert.deepEqual([c.rpcTimeoutMs, c.requestTimeoutMs, c.refreshIntervalMs], [2000, 5000, 900_000]);
    assert.equal(c.parentPid, undefined);
  });

  test("precedence: defaults < file < env < flags", (t) => {
    const path = tempConfig(t, { port: 8100, grpcPort: 9100, logLevel: "warn", writeQuorum: 1, consistency: "weak", dataDir: "peer-data" });
    const env = { P2P_CONFIG: path, P2P_GRPC_PORT: "9200", P2P_LOG_LEVEL: "debug" };
    const r = loadPeerConfig(["--log-level", "error"], env, { cwd: CWD });
    assert.ok("config" in r);
    assert.equal(r.configPath, path);
    const c = r.config;
    assert.equal(c.port, 8100, "file beats default");
    assert.equal(c.grpcPort, 9200, "env beats file");
    assert.equal(c.logLevel, "error", "flag beats env");
    assert.equal(c.writeQuorum, 1);
    assert.equal(c.readQuorum, 2, "default where nothing is given");
    assert.equal(c.dataDir, join(path, "..", "peer-data"), "file paths are relative to the file");
    assert.equal(load(["--config", path, "--port", "0"], {}).port, 0, "flag beats file");
    assert.equal(load(["--data-dir", "d"]).dataDir, join(CWD, "d"), "flag paths are relative to cwd");
  });

  test("bootstrap: repeatable flag, comma lists, IPv6, env", () => {
    assert.deepEqual(load(["--bootstrap", "10.0.0.1:9001,peer.example:9002", "--bootstrap", "[::1]:9003"]).bootstrap, [
      "10.0.0.1:9001",
      "peer.example:9002",
      "[::1]:9003",
    ]);
    assert.deepEqual(load([], { P2P_BOOTSTRAP: "a:1, b:2" }).bootstrap, ["a:1", "b:2"]);
  });

  test("--grpc_port is an alias of --grpc-port", () => {
    assert.equal(load(["--grpc_port", "9555"]).grpcPort, 9555);
    rejects(["--grpc_port", "x"], {}, '--grpc_port: expected an integer, got "x"');
    rejects(["--grpc_port", "1", "--grpc-port", "2"], {}, /--grpc-port: given twice/);
  });

  test("unknown flags and stray arguments are rejected by name", () => {
    rejects(["--prot", "1"], {}, "--prot: unknown flag (see --help)");
    rejects(["serve"], {}, /unexpected argument "serve"/);
    rejects(["--port"], {}, "--port: needs a value");
  });

  test("every rule names the field and the source", (t) => {
    rejects(["--port", "70000"], {}, "--port: must be ≤ 65535, got 70000");
    rejects(["--grpc-port=-1"], {}, "--grpc-port: must be ≥ 0, got -1");
    rejects(["--grpc-port", "-1"], {}, /^--grpc-port: a value starting with "-" must be written --grpc-port=<value>/);
    rejects(["--port", "80.5"], {}, '--port: expected an integer, got "80.5"');
    rejects([], { P2P_PORT: "http" }, 'P2P_PORT: expected an integer, got "http"');
    rejects(["--host", "not a host"], {}, /^--host: expected a host name or IP address/);
    rejects(["--advertise", "::"], {}, /^--advertise: cannot advertise an unspecified address/);
    rejects(["--bootstrap", "peer"], {}, /^--bootstrap\[0\]: expected host:port/);
    rejects(["--bootstrap", "a:1,peer:0"], {}, /^--bootstrap\[1\]: expected host:port with port 1-65535, got "peer:0"/);
    rejects(["--log-level", "loud"], {}, /^--log-level: must be one of fatal, error, warn, info, debug, trace, silent/);
    rejects(["--replication-factor", "0"], {}, "--replication-factor: must be ≥ 1, got 0");
    rejects(["--write-quorum", "4"], {}, "--write-quorum: must be ≤ replication factor (3), got 4");
    rejects(["--read-quorum", "0"], {}, "--read-quorum: must be ≥ 1, got 0");
    // Quorums that do not overlap are refused unless weak consistency is chosen on purpose.
    rejects(["--write-quorum", "1", "--read-quorum", "1"], {}, /^--write-quorum: W \+ Rq must exceed R \(3\) so that reads see every acknowledged write, got 1 \+ 1; or set --consistency weak$/);
    rejects(["--read-quorum", "1"], {}, /^--read-quorum: W \+ Rq must exceed R \(3\) .*got 2 \+ 1/);
    rejects(["--consistency", "eventual"], {}, /^--consistency: /);
    assert.equal(load(["--write-quorum", "1", "--read-quorum", "1", "--consistency", "weak"]).consistency, "weak");
    assert.equal(load([]).consistency, "strong");
    rejects([], { P2P_READ_QUORUM: "5", P2P_REPLICATION_FACTOR: "4" }, "P2P_READ_QUORUM: must be ≤ replication factor (4), got 5");
    // A default is never blamed: lowering R below the default W names R.
    rejects(["--replication-factor", "1"], {}, "--replication-factor: must be ≥ write quorum (2), got 1");
    rejects(["--max-value-bytes", "0"], {}, "--max-value-bytes: must be ≥ 1, got 0");
    rejects(["--max-key-bytes", "4096"], {}, "--max-key-bytes: must be ≤ 1978, got 4096");
    rejects(["--rpc-timeout-ms", "6000"], {}, "--rpc-timeout-ms: must be ≤ request timeout (5000), got 6000");
    rejects(["--hedge-min-ms", "300", "--hedge-max-ms", "100"], {}, "--hedge-max-ms: must be ≥ hedge min (300), got 100");
    rejects(["--request-timeout-ms", "0"], {}, "--request-timeout-ms: must be ≥ 1, got 0");
    rejects(["--refresh-interval-ms", "10"], {}, "--refresh-interval-ms: must be ≥ 1000, got 10");
    rejects(["--parent-pid", "0"], {}, "--parent-pid: must be ≥ 1, got 0");
    rejects(["--data-dir", ""], {}, "--data-dir: must not be empty");

    const wrongType = tempConfig(t, { writeQuorum: "2" });
    rejects(["--config", wrongType], {}, `${wrongType}: writeQuorum: expected number, got string "2"`);
    const unknownKey = tempConfig(t, { writeQuorom: 2 });
    rejects(["--config", unknownKey], {}, new RegExp(`^${unknownKey}: writeQuorom: unknown setting`));
    const notJson = tempConfig(t, "{ port: 1 ");
    rejects(["--config", notJson], {}, new RegExp(`^${notJson}: invalid JSON`));
    const notObject = tempConfig(t, [1, 2]);
    rejects(["--config", notObject], {}, `${notObject}: expected a JSON object of settings, got array`);
    rejects(["--config", join(CWD, "missing.json")], {}, /missing\.json: cannot read \(ENOENT\)/);
    const fileQuorum = tempConfig(t, { writeQuorum: 3, replicationFactor: 2 });
    rejects(["--config", fileQuorum], {}, `${fileQuorum}: writeQuorum: must be ≤ replication factor (2), got 3`);
  });

  test("advertise: bind host by default; derived or required when binding every interface", () => {
    assert.equal(load(["--host", "10.1.2.3"]).advertise, "10.1.2.3");
    assert.equal(load(["--host", "0.0.0.0", "--advertise", "peer.example"]).advertise, "peer.example");
    const r = loadPeerConfig(["--host", "::"], {}, {
      cwd: CWD,
      networkInterfaces: () => ({
        lo: [{ address: "127.0.0.1", family: "IPv4", internal: true, netmask: "", mac: "", cidr: null }],
        eth0: [
          { address: "fe80::1", family: "IPv6", internal: false, netmask: "", mac: "", cidr: null, scopeid: 2 },
          { address: "192.0.2.7", family: "IPv4", internal: false, netmask: "", mac: "", cidr: null },
        ],
      }),
    });
    assert.ok("config" in r);
    assert.equal(r.config.advertise, "192.0.2.7");
    assert.equal(r.warnings.length, 1);
    rejects(["--host", "0.0.0.0"], {}, /^--advertise: required when binding 0\.0\.0\.0/);
  });

  test("recover: off by default; a flag without a value, a boolean env var or file setting", (t) => {
    assert.equal(load([]).recover, false);
    assert.equal(load(["--recover"]).recover, true);
    for (const v of ["1", "true", "YES"]) assert.equal(load([], { P2P_RECOVER: v }).recover, true, v);
    for (const v of ["0", "false", "no"]) assert.equal(load([], { P2P_RECOVER: v }).recover, false, v);
    assert.equal(load(["--config", tempConfig(t, { recover: true })]).recover, true);
    rejects(["--recover=yes"], {}, "--recover: takes no value (give the flag alone)");
    rejects([], { P2P_RECOVER: "maybe" }, 'P2P_RECOVER: expected true or false (or 1 / 0), got "maybe"');
    rejects(["--config", tempConfig(t, { recover: "yes" })], {}, /peer\.json: recover: expected boolean, got string "yes"$/);
    const help = loadPeerConfig(["--help"], {});
    assert.ok("help" in help);
    assert.match(help.help, /--recover {2,}move a damaged database aside.*\n.*P2P_RECOVER; default false/);
  });

  test("--help lists every flag with its env var; --version", () => {
    const r = loadPeerConfig(["--help"], {});
    assert.ok("help" in r);
    for (const key of SETTING_KEYS) {
      assert.ok(r.help.includes(`--${SETTING_SOURCES[key].flag} `), `help misses --${SETTING_SOURCES[key].flag}`);
      assert.ok(r.help.includes(SETTING_SOURCES[key].env), `help misses ${SETTING_SOURCES[key].env}`);
    }
    assert.match(r.help, /--write-quorum <n>.*\n.*P2P_WRITE_QUORUM; default 2/);
    const v = loadPeerConfig(["--version"], {});
    assert.ok("version" in v);
    assert.match(v.version, /^\d+\.\d+\.\d+/);
  });
});

describe("rate-limit settings", () => {
  test("defaults, flags, env and the config file; 0 turns a limit off", (t) => {
    const d = load([]);
    assert.deepEqual(
      [d.httpRateLimit, d.httpRateBurst, d.peerRateLimit, d.peerRateBurst, d.rateLimitMaxClients],
      [5000, 10_000, 10_000, 20_000, 10_000],
    );
    const c = load(["--http-rate-limit", "0", "--peer-rate-burst", "7"], { P2P_PEER_RATE_LIMIT: "300" });
    assert.deepEqual([c.httpRateLimit, c.peerRateLimit, c.peerRateBurst], [0, 300, 7]);
    const path = tempConfig(t, { httpRateBurst: 50, rateLimitMaxClients: 2 });
    const f = load(["--config", path]);
    assert.deepEqual([f.httpRateBurst, f.rateLimitMaxClients], [50, 2]);
  });

  test("bad values are refused naming the flag, variable or file key", (t) => {
    rejects(["--http-rate-limit=-1"], {}, "--http-rate-limit: must be ≥ 0, got -1");
    rejects(["--http-rate-limit", "fast"], {}, '--http-rate-limit: expected an integer, got "fast"');
    rejects(["--peer-rate-burst", "0"], {}, "--peer-rate-burst: must be ≥ 1, got 0");
    rejects([], { P2P_RATE_LIMIT_MAX_CLIENTS: "0" }, "P2P_RATE_LIMIT_MAX_CLIENTS: must be ≥ 1, got 0");
    const path = tempConfig(t, { peerRateLimit: 1.5 });
    rejects(["--config", path], {}, `${path}: peerRateLimit: expected an integer, got 1.5`);
  });
});
