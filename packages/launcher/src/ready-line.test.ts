import assert from "node:assert/strict";
import { test } from "node:test";
import { parseReadyLine } from "./ready-line.js";

const id = "ab".repeat(32);

test("parses the ready line", () => {
  const line = JSON.stringify({ level: 30, msg: "peer ready", id, httpAddress: "127.0.0.1:4000", grpcAddress: "127.0.0.1:4001", pid: 42 });
  assert.deepEqual(parseReadyLine(line), { id, httpAddress: "127.0.0.1:4000", grpcAddress: "127.0.0.1:4001", pid: 42 });
});

test("ignores other lines", () => {
  assert.equal(parseReadyLine("plain text mentioning peer ready"), undefined);
  assert.equal(parseReadyLine(JSON.stringify({ msg: "listening" })), undefined);
  assert.equal(parseReadyLine("{not json peer ready"), undefined);
});

test("names the malformed field", () => {
  const line = JSON.stringify({ msg: "peer ready", id: "XYZ", httpAddress: "127.0.0.1:1", grpcAddress: "127.0.0.1:2", pid: 1 });
  assert.throws(() => parseReadyLine(line), /id/);
  const noPort = JSON.stringify({ msg: "peer ready", id, httpAddress: "127.0.0.1", grpcAddress: "127.0.0.1:2", pid: 1 });
  assert.throws(() => parseReadyLine(noPort), /httpAddress/);
});
