/** Assertions shared by the tests of this package. */
import assert from "node:assert/strict";
import { DhtError, type DhtErrorCode } from "../errors.js";

/** For assert.rejects/throws: a DhtError with `code` whose message matches `message`. */
export function isDhtError(code: DhtErrorCode, message?: RegExp) {
  return (e: unknown): true => {
    assert.ok(e instanceof DhtError, `expected a DhtError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  };
}
