import { test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { CliError, codeFromHttpStatus, codeFromName, describeFailure, exitCodeOf, ExitCode, restError } from "./errors.js";

test("Connect codes map to the documented exit codes", () => {
  assert.equal(exitCodeOf(Code.NotFound), 3);
  assert.equal(exitCodeOf(Code.Unavailable), 4);
  assert.equal(exitCodeOf(Code.DeadlineExceeded), 4);
  assert.equal(exitCodeOf(Code.InvalidArgument), 5);
  assert.equal(exitCodeOf(Code.ResourceExhausted), 5);
  assert.equal(exitCodeOf(Code.FailedPrecondition), 5);
  assert.equal(exitCodeOf(Code.DataLoss), 6);
  assert.equal(exitCodeOf(Code.Internal), 1);
  assert.equal(exitCodeOf(Code.Unknown), 1);
});

test("REST code names and HTTP statuses map to Connect codes", () => {
  assert.equal(codeFromName("not_found"), Code.NotFound);
  assert.equal(codeFromName("invalid_argument"), Code.InvalidArgument);
  assert.equal(codeFromName("resource_exhausted"), Code.ResourceExhausted);
  assert.equal(codeFromName("data_loss"), Code.DataLoss);
  assert.equal(codeFromName("no_such_code"), Code.Unknown);
  assert.equal(codeFromName(undefined), Code.Unknown);
  assert.equal(codeFromHttpStatus(404), Code.NotFound);
  assert.equal(codeFromHttpStatus(413), Code.ResourceExhausted);
  assert.equal(codeFromHttpStatus(503), Code.Unavailable);
  assert.equal(codeFromHttpStatus(500), Code.Unknown);
});

test("a peer's error keeps its message, prefixed with what failed, on one line", () => {
  const d = describeFailure(new ConnectError("key not found", Code.NotFound), { action: 'get "k"' });
  assert.deepEqual(d, { message: 'get "k": key not found', exitCode: ExitCode.notFound });
  const multi = describeFailure(new ConnectError("bad\n  thing", Code.InvalidArgument), { action: "put" });
  assert.equal(multi.message, "put: bad thing");
  assert.equal(multi.exitCode, 5);
});

test("a refused connection anywhere in the cause chain says which peer cannot be reached", () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8001"), { code: "ECONNREFUSED" });
  const wrapped = new ConnectError("fetch failed", Code.Unavailable, undefined, undefined, new AggregateError([refused]));
  const d = describeFailure(wrapped, { action: 'get "k"', peer: "http://127.0.0.1:8001" });
  assert.deepEqual(d, { message: "cannot reach http://127.0.0.1:8001 (connection refused)", exitCode: ExitCode.unavailable });
});

test("deadlines, CLI errors, missing files and anything else", () => {
  assert.equal(describeFailure(new ConnectError("", Code.DeadlineExceeded)).exitCode, 4);
  assert.match(describeFailure(new ConnectError("", Code.DeadlineExceeded)).message, /deadline exceeded/);
  assert.deepEqual(describeFailure(new CliError("chunk 3 mismatch", ExitCode.corrupt), { action: "download x" }), { message: "download x: chunk 3 mismatch", exitCode: 6 });
  const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), { code: "ENOENT" });
  assert.equal(describeFailure(enoent).exitCode, ExitCode.usage);
  assert.deepEqual(describeFailure("boom"), { message: "boom", exitCode: 1 });
});

test("a refused upload keeps the peer's JSON error and code", () => {
  const e = restError(413, JSON.stringify({ error: "file: 2000 bytes exceeds the limit of 1000 bytes", code: "resource_exhausted" }));
  assert.equal(e.code, Code.ResourceExhausted);
  assert.equal(e.rawMessage, "file: 2000 bytes exceeds the limit of 1000 bytes");
});

test("without a JSON body the HTTP status decides the code", () => {
  assert.equal(restError(404, "<html>").code, Code.NotFound);
  assert.equal(restError(503, "").code, Code.Unavailable);
  assert.equal(restError(500, "").rawMessage, "HTTP 500");
  assert.equal(restError(400, JSON.stringify({ error: "name: bad", code: "nonsense" })).code, Code.InvalidArgument);
});
