import { test } from "node:test";
import assert from "node:assert/strict";
import { CliError } from "./errors.js";
import { DEFAULT_PEER, parseByteRate, parsePeerUrl, parsePositiveInt, resolveGlobalOptions, validateFileId, validateKey } from "./options.js";

const usage = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (err: unknown) => err instanceof CliError && err.exitCode === 2 && message.test(err.message));

test("the peer comes from --peer, else P2P_PEER, else the first local peer", () => {
  assert.equal(resolveGlobalOptions({}, {}).peer, DEFAULT_PEER);
  assert.equal(resolveGlobalOptions({}, { P2P_PEER: "http://10.0.0.1:9000/" }).peer, "http://10.0.0.1:9000");
  assert.equal(resolveGlobalOptions({ peer: "127.0.0.1:8003" }, { P2P_PEER: "http://x:1" }).peer, "http://127.0.0.1:8003");
  assert.deepEqual(resolveGlobalOptions({ json: true, timeout: "500" }, {}), { peer: DEFAULT_PEER, json: true, quiet: false, timeoutMs: 500 });
});

test("bad peer URLs and timeouts are usage errors", () => {
  usage(() => parsePeerUrl("ftp://host:1"), /http/);
  usage(() => parsePeerUrl("http://"), /not a URL/);
  usage(() => parsePeerUrl("http://h:1/?x=1"), /scheme:\/\/host:port/);
  usage(() => resolveGlobalOptions({ timeout: "0" }, {}), /--timeout: must be from 1/);
  usage(() => resolveGlobalOptions({ timeout: "10s" }, {}), /--timeout: must be an integer/);
  usage(() => parsePositiveInt("-3", "--limit"), /integer/);
  assert.equal(parsePositiveInt(" 42 ", "--limit"), 42);
});

test("keys follow the peer's rule: 1 to 1024 bytes of UTF-8, no lone surrogate", () => {
  assert.equal(validateKey("k"), "k");
  assert.equal(validateKey("é".repeat(512)), "é".repeat(512));
  usage(() => validateKey(""), /^key: must be 1 to 1024 bytes of UTF-8, got 0$/);
  usage(() => validateKey("é".repeat(513)), /got 1026$/);
  usage(() => validateKey("a\uD800b"), /lone surrogate at index 1/);
});

test("file IDs are 64 lowercase hex digits", () => {
  assert.equal(validateFileId("a".repeat(64)), "a".repeat(64));
  usage(() => validateFileId("A".repeat(64)), /64 lowercase hex/);
  usage(() => validateFileId("abc"), /64 lowercase hex/);
});

test("byte rates take k, M, G suffixes in powers of 1024", () => {
  assert.equal(parseByteRate("1000"), 1000);
  assert.equal(parseByteRate("500k"), 512_000);
  assert.equal(parseByteRate("2M"), 2 * 1024 * 1024);
  assert.equal(parseByteRate("1.5MiB"), 1.5 * 1024 * 1024);
  usage(() => parseByteRate("fast"), /byte rate/);
  usage(() => parseByteRate("0"), /at least 1/);
});
