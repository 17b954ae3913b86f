import { test } from "node:test";
import assert from "node:assert/strict";
import { Bitfield } from "./bitfield.js";

test("bits are set most significant first and survive base64", () => {
  const b = Bitfield.empty(12);
  for (const i of [0, 7, 8, 11]) b.set(i);
  assert.equal(b.toBase64(), Buffer.from([0b1000_0001, 0b1001_0000]).toString("base64"));
  const back = Bitfield.parse(b.toBase64(), 12);
  assert.ok(back instanceof Bitfield);
  assert.deepEqual(back.indexes(), [0, 7, 8, 11]);
  assert.deepEqual(back.missing(), [1, 2, 3, 4, 5, 6, 9, 10]);
  assert.equal(back.count(), 4);
});

test("a prefix marks the first N chunks; an empty field of 0 chunks is the empty string", () => {
  assert.deepEqual(Bitfield.prefix(5, 3).indexes(), [0, 1, 2]);
  assert.deepEqual(Bitfield.prefix(5, 9).indexes(), [0, 1, 2, 3, 4]);
  assert.equal(Bitfield.empty(0).toBase64(), "");
  assert.ok(Bitfield.parse("", 0) instanceof Bitfield);
});

test("clone is a snapshot", () => {
  const b = Bitfield.empty(3);
  const c = b.clone();
  b.set(1);
  assert.equal(c.count(), 0);
});

test("malformed fields are refused with a reason", () => {
  assert.match(String(Bitfield.parse("AA=", 8)), /not base64/);
  assert.match(String(Bitfield.parse("A A=", 8)), /not base64/);
  assert.match(String(Bitfield.parse("AAA=", 8)), /2 bytes, 8 chunks need 1/);
  assert.match(String(Bitfield.parse(Buffer.from([1]).toString("base64"), 7)), /past the end/);
  assert.throws(() => Bitfield.empty(3).set(3), RangeError);
  assert.throws(() => Bitfield.empty(-1), RangeError);
});
