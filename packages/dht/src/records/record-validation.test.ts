import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DhtError, type DhtErrorCode } from "../errors.js";
import { validateKey, validateRecord, validateValueSize } from "./record-validation.js";

function rejects(fn: () => void, code: DhtErrorCode, message: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DhtError, "a DhtError");
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

const good = () => ({
  key: "k",
  value: new Uint8Array([1, 2]),
  version: { wallMs: 5, logical: 0, writer: "f".repeat(64) },
  tombstone: false,
});
const limits = { maxValueBytes: 1024 };

describe("record validation", () => {
  test("keys: length in UTF-8 bytes and no lone surrogates", () => {
    rejects(() => validateKey(""), "invalid_argument", /^key: must be 1 to 1024 bytes of UTF-8, got 0$/);
    rejects(() => validateKey("é".repeat(513)), "invalid_argument", /^key: .* got 1026$/);
    rejects(() => validateKey("ab\uD800c"), "invalid_argument", /^key: .*lone surrogate at index 2/);
    rejects(() => validateKey(42), "invalid_argument", /^key: must be a string/);
    validateKey("x".repeat(1024));
    validateKey("😀 emoji is fine");
  });

  test("value size", () => {
    rejects(() => validateValueSize(2_000_000, 1_048_576), "resource_exhausted", /^value: 2000000 bytes exceeds the limit of 1048576 bytes$/);
    validateValueSize(1_048_576, 1_048_576);
  });

  test("records from peers: each bad field is named", () => {
    validateRecord(good(), limits);
    const cases: Array<[object, DhtErrorCode, RegExp]> = [
      [{ ...good(), key: "" }, "invalid_argument", /^record\.key:/],
      [{ ...good(), version: { ...good().version, wallMs: -1 } }, "invalid_argument", /^record\.version\.wallMs:/],
      [{ ...good(), version: { ...good().version, wallMs: 1.5 } }, "invalid_argument", /^record\.version\.wallMs:/],
      [{ ...good(), version: { ...good().version, logical: 2 ** 32 } }, "invalid_argument", /^record\.version\.logical:/],
      [{ ...good(), version: { ...good().version, writer: "F".repeat(64) } }, "invalid_argument", /^record\.version\.writer:/],
      [{ ...good(), version: undefined }, "invalid_argument", /^record\.version: is required/],
      [{ ...good(), tombstone: true }, "invalid_argument", /^record\.value: a tombstone must have an empty value, got 2 bytes/],
      [{ ...good(), value: new Uint8Array(1025) }, "resource_exhausted", /^record\.value: 1025 bytes exceeds the limit of 1024 bytes/],
      [{ ...good(), value: "abc" }, "invalid_argument", /^record\.value: must be bytes/],
    ];
    for (const [record, code, message] of cases) rejects(() => validateRecord(record, limits), code, message);
  });
});
