import { test } from "node:test";
import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { uploadError } from "./upload.js";

test("a refused upload keeps the peer's JSON error and code", () => {
  const e = uploadError(413, JSON.stringify({ error: "file: 2000 bytes exceeds the limit of 1000 bytes", code: "resource_exhausted" }));
  assert.equal(e.code, Code.ResourceExhausted);
  assert.equal(e.rawMessage, "file: 2000 bytes exceeds the limit of 1000 bytes");
});

test("without a JSON body the HTTP status decides the code", () => {
  assert.equal(uploadError(404, "<html>").code, Code.NotFound);
  assert.equal(uploadError(503, "").code, Code.Unavailable);
  assert.equal(uploadError(500, "").rawMessage, "HTTP 500");
  assert.equal(uploadError(400, JSON.stringify({ error: "name: bad", code: "nonsense" })).code, Code.InvalidArgument);
});
