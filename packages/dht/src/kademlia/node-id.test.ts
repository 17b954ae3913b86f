import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bucketIndex, compareDistance, isNodeId, randomIdInBucket, sha256Hex, sortByDistance, xorDistance } from "./node-id.js";

const zero = "0".repeat(64);
/** An ID with only bit `i` set (bit 0 = most significant). */
function bit(i: number): string {
  return (1n << BigInt(255 - i)).toString(16).padStart(64, "0");
}

describe("node IDs", () => {
  test("sha256Hex and isNodeId", () => {
    assert.equal(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert.equal(sha256Hex(new TextEncoder().encode("abc")), sha256Hex("abc"));
    assert.ok(isNodeId(sha256Hex("x")));
    assert.ok(!isNodeId(sha256Hex("x").toUpperCase()));
    assert.ok(!isNodeId("ab"));
    assert.ok(!isNodeId(`${zero}0`));
    assert.ok(!isNodeId(42));
  });

  test("xorDistance", () => {
    assert.equal(xorDistance(zero, zero), 0n);
    assert.equal(xorDistance(zero, bit(0)), 1n << 255n);
    assert.equal(xorDistance(bit(255), bit(0)), (1n << 255n) | 1n);
    const a = sha256Hex("a");
    const b = sha256Hex("b");
    assert.equal(xorDistance(a, b), xorDistance(b, a));
  });

  test("bucketIndex: first bit, last bit, a middle bit, self", () => {
    assert.equal(bucketIndex(zero, bit(0)), 0);
    assert.equal(bucketIndex(zero, bit(255)), 255);
    assert.equal(bucketIndex(zero, bit(31)), 31);
    assert.equal(bucketIndex(zero, bit(32)), 32);
    assert.equal(bucketIndex(bit(7), bit(7).replace(/^0/, "f")), 0);
    assert.throws(() => bucketIndex(zero, zero), RangeError);
  });

  test("compareDistance agrees with bigint XOR on random IDs", () => {
    for (let i = 0; i < 500; i++) {
      const [t, a, b] = [sha256Hex(`t${i}`), sha256Hex(`a${i}`), sha256Hex(`b${i}`)];
      const da = xorDistance(t, a);
      const db = xorDistance(t, b);
      assert.equal(Math.sign(compareDistance(t, a, b)), da < db ? -1 : 1);
    }
    const a = sha256Hex("a");
    assert.equal(compareDistance(zero, a, a), 0);
    // Differing only in the last bit.
    assert.equal(compareDistance(zero, zero, bit(255)), -1);
  });

  test("randomIdInBucket lands in the requested bucket", () => {
    const self = sha256Hex("self");
    for (const index of [0, 1, 7, 8, 9, 31, 32, 100, 254, 255]) {
      for (let j = 0; j < 5; j++) {
        const id = randomIdInBucket(self, index);
        assert.ok(isNodeId(id));
        assert.equal(bucketIndex(self, id), index);
      }
      assert.equal(bucketIndex(self, randomIdInBucket(self, index, () => 0.999)), index);
      assert.equal(bucketIndex(self, randomIdInBucket(self, index, () => 0)), index);
    }
    assert.throws(() => randomIdInBucket(self, 256), RangeError);
    assert.throws(() => randomIdInBucket(self, -1), RangeError);
  });

  test("sortByDistance orders by XOR distance", () => {
    const target = sha256Hex("target");
    const contacts = Array.from({ length: 200 }, (_, i) => ({ id: sha256Hex(`c${i}`), address: `a${i}`, httpAddress: "" }));
    const sorted = sortByDistance(target, contacts);
    assert.equal(sorted.length, contacts.length);
    for (let i = 1; i < sorted.length; i++) {
      assert.ok(xorDistance(target, sorted[i - 1]!.id) < xorDistance(target, sorted[i]!.id));
    }
  });
});
