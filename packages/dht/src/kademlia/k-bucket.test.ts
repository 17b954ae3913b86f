import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Contact } from "../types.js";
import { KBucket } from "./k-bucket.js";
import { sha256Hex } from "./node-id.js";

const c = (i: number, address = `a${i}`): Contact => ({ id: sha256Hex(`c${i}`), address, httpAddress: "" });

describe("KBucket", () => {
  test("adds up to k, then reports the least-recently-seen contact", () => {
    const b = new KBucket(3, 2);
    assert.equal(b.touch(c(1), 1), "added");
    assert.equal(b.touch(c(2), 2), "added");
    assert.equal(b.touch(c(3), 3), "added");
    assert.deepEqual(b.touch(c(4), 4), { full: c(1) });
    assert.deepEqual(b.contacts(), [c(1), c(2), c(3)], "a full bucket is unchanged");
  });

  test("touching a known contact moves it to the tail, resets failures and takes the new address", () => {
    const b = new KBucket(3, 2);
    b.touch(c(1), 1);
    b.touch(c(2), 2);
    b.recordFailure(c(1).id);
    assert.equal(b.get(c(1).id)!.failures, 1);
    assert.equal(b.touch(c(1, "moved"), 5), "updated");
    assert.deepEqual(b.contacts().map((x) => x.address), ["a2", "moved"]);
    assert.deepEqual(b.get(c(1).id), { contact: c(1, "moved"), lastSeenMs: 5, failures: 0 });
  });

  test("remove promotes the newest replacement; the cache is bounded", () => {
    const b = new KBucket(2, 2);
    b.touch(c(1), 1);
    b.touch(c(2), 2);
    b.addReplacement(c(3), 3);
    b.addReplacement(c(4), 4);
    b.addReplacement(c(5), 5);
    assert.deepEqual(b.replacementList().map((e) => e.contact), [c(4), c(5)], "oldest replacement dropped");
    const r = b.remove(c(1).id);
    assert.deepEqual(r.removed?.contact, c(1));
    assert.deepEqual(r.promoted, c(5));
    assert.deepEqual(b.contacts(), [c(2), c(5)]);
    assert.deepEqual(b.remove(c(2).id).promoted, c(4));
    assert.deepEqual(b.remove(c(4).id), { removed: { contact: c(4), lastSeenMs: 4, failures: 0 } });
    assert.equal(b.size, 1);
  });

  test("failure counts are per contact and consecutive", () => {
    const b = new KBucket(2, 0);
    b.touch(c(1), 1);
    assert.equal(b.recordFailure(c(1).id), 1);
    assert.equal(b.recordFailure(c(1).id), 2);
    assert.equal(b.recordFailure(c(9).id), 0);
    b.touch(c(1), 2);
    assert.equal(b.recordFailure(c(1).id), 1);
  });
});
