import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { closestIndices, ownedFractions, ownershipSegments } from "./ring";
import { ringFraction, xorDistance } from "./ids";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const ids = (n: number, salt = "peer") => Array.from({ length: n }, (_, i) => sha(`${salt}-${i}`)).sort();
/** XOR-closest peer by brute force (BigInt). */
const closest = (sorted: string[], target: string) =>
  sorted.reduce((best, id, i) => (xorDistance(id, target) < xorDistance(sorted[best]!, target) ? i : best), 0);

describe("ownershipSegments", () => {
  test("an empty half mirrors the full one instead of going to the nearest peer", () => {
    const a = "0" + "0".repeat(63); // 00…
    const b = "4" + "0".repeat(63); // 01…
    const segs = ownershipSegments([a, b]);
    assert.deepEqual(segs.map((s) => [s.start, s.end, s.owner]), [[0, 0.25, 0], [0.25, 0.5, 1], [0.5, 0.75, 0], [0.75, 1, 1]]);
    assert.deepEqual(ownedFractions([a, b]), [0.5, 0.5]);
  });

  test("one peer owns the whole ring; no peers, nothing", () => {
    assert.deepEqual(ownershipSegments([sha("x")]), [{ start: 0, end: 1, owner: 0 }]);
    assert.deepEqual(ownershipSegments([]), []);
  });

  test("every sampled position is owned by its XOR-closest peer, and the segments tile the ring", () => {
    const peers = ids(24);
    const segs = ownershipSegments(peers, 20);
    assert.equal(segs[0]!.start, 0);
    assert.equal(segs.at(-1)!.end, 1);
    for (let i = 1; i < segs.length; i++) assert.ok(Math.abs(segs[i]!.start - segs[i - 1]!.end) < 1e-12, "contiguous");
    for (let i = 0; i < 300; i++) {
      const x = sha(`pos-${i}`);
      const f = ringFraction(x);
      const seg = segs.find((s) => f >= s.start && f < s.end)!;
      assert.equal(seg.owner, closest(peers, x), `position ${x}`);
    }
  });

  test("owned fractions sum to 1 and match the segments", () => {
    const peers = ids(40);
    const fr = ownedFractions(peers);
    assert.ok(Math.abs(fr.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    const fromSegs = new Array<number>(peers.length).fill(0);
    for (const s of ownershipSegments(peers, 30)) fromSegs[s.owner]! += s.end - s.start;
    fr.forEach((f, i) => assert.ok(Math.abs(f - fromSegs[i]!) < 1e-6, `peer ${i}: ${f} vs ${fromSegs[i]}`));
  });

  test("peers sharing a long prefix do not blow up the segment count", () => {
    const a = "0".repeat(64);
    const b = "0".repeat(63) + "1"; // differ only in the last bit: ownership alternates forever
    const segs = ownershipSegments([a, b]);
    assert.ok(segs.length <= 2 ** 15, `${segs.length} segments`);
    assert.deepEqual(ownedFractions([a, b]), [0.5, 0.5]);
  });
});

describe("closestIndices", () => {
  test("matches a brute-force sort by XOR distance", () => {
    const peers = ids(50);
    for (let i = 0; i < 50; i++) {
      const t = sha(`key-${i}`);
      const expected = peers.map((id, j) => ({ j, d: xorDistance(id, t) })).sort((x, y) => (x.d < y.d ? -1 : 1)).slice(0, 3).map((x) => x.j);
      assert.deepEqual(closestIndices(peers, t, 3), expected);
    }
  });

  test("asks for more than there are: all of them", () => {
    assert.equal(closestIndices(ids(2), sha("k"), 3).length, 2);
  });
});
