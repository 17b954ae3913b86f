import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { describeSides, isCut, partitionLayout, sideIndex, type PartitionInput } from "./partition-sides";

/** Peers peer-0..n-1, running, with `cuts[name]` as their partitionedFrom. */
const fleet = (n: number, cuts: Record<string, string[]> = {}, notRunning: string[] = []): PartitionInput[] =>
  Array.from({ length: n }, (_, i) => `peer-${i}`).map((name) => ({ name, running: !notRunning.includes(name), partitionedFrom: cuts[name] ?? [] }));

/** The controller's symmetric partition of `groups`: each peer lists every peer of the other groups. */
const partition = (groups: string[][]): Record<string, string[]> =>
  Object.fromEntries(groups.flatMap((g) => g.map((n) => [n, groups.filter((o) => o !== g).flat()])));

describe("partitionLayout", () => {
  test("no cuts: no sides, every running peer a bridge", () => {
    const l = partitionLayout(fleet(3));
    assert.deepEqual(l, { sides: [], bridges: ["peer-0", "peer-1", "peer-2"], cuts: [] });
    assert.equal(describeSides(l), "");
    assert.equal(sideIndex(l, "peer-0"), -1);
  });

  test("a 2|3 partition gives two sides in name order, and cuts only across them", () => {
    const l = partitionLayout(fleet(5, partition([["peer-3", "peer-4"], ["peer-0", "peer-1", "peer-2"]])));
    assert.deepEqual(l.sides, [["peer-0", "peer-1", "peer-2"], ["peer-3", "peer-4"]]);
    assert.deepEqual(l.bridges, []);
    assert.equal(l.cuts.length, 6);
    assert.equal(describeSides(l), "peer-0, peer-1, peer-2 | peer-3, peer-4");
    assert.equal(sideIndex(l, "peer-4"), 1);
    assert.ok(isCut(l, "peer-4", "peer-0"));
    assert.ok(!isCut(l, "peer-0", "peer-2"));
    assert.ok(!isCut(l, "peer-0", undefined));
  });

  test("names sort numerically (peer-10 after peer-9)", () => {
    const l = partitionLayout(fleet(11, partition([["peer-10", "peer-9"], ["peer-0", "peer-1", "peer-2", "peer-3", "peer-4", "peer-5", "peer-6", "peer-7", "peer-8"]])));
    assert.deepEqual(l.sides[1], ["peer-9", "peer-10"]);
  });

  test("a one-sided listing still cuts both ways", () => {
    const l = partitionLayout(fleet(4, { "peer-0": ["peer-2", "peer-3"], "peer-1": ["peer-2", "peer-3"] }));
    assert.deepEqual(l.sides, [["peer-0", "peer-1"], ["peer-2", "peer-3"]]);
    assert.ok(isCut(l, "peer-3", "peer-1"));
  });

  test("peers on neither side are bridges, not a reason to merge the sides", () => {
    const l = partitionLayout(fleet(5, partition([["peer-0"], ["peer-1", "peer-2"]])));
    assert.deepEqual(l.sides, [["peer-0"], ["peer-1", "peer-2"]]);
    assert.deepEqual(l.bridges, ["peer-3", "peer-4"]);
  });

  test("three groups give three sides", () => {
    const l = partitionLayout(fleet(6, partition([["peer-0", "peer-1"], ["peer-2", "peer-3"], ["peer-4", "peer-5"]])));
    assert.equal(describeSides(l), "peer-0, peer-1 | peer-2, peer-3 | peer-4, peer-5");
  });

  test("a lone cut link: its two ends are sides, the rest bridges", () => {
    const l = partitionLayout(fleet(3, { "peer-0": ["peer-1"] }));
    assert.deepEqual(l, { sides: [["peer-0"], ["peer-1"]], bridges: ["peer-2"], cuts: [["peer-0", "peer-1"]] });
  });

  test("cuts that do not split the network leave one side, with its cuts listed", () => {
    const l = partitionLayout(fleet(4, { "peer-0": ["peer-1"], "peer-2": ["peer-3"] }));
    assert.deepEqual(l.sides, [["peer-0", "peer-1", "peer-2", "peer-3"]]);
    assert.deepEqual(l.cuts, [["peer-0", "peer-1"], ["peer-2", "peer-3"]]);
  });

  test("stopped peers, unknown names and self-listings are ignored", () => {
    const l = partitionLayout(fleet(4, { "peer-0": ["peer-3", "peer-0", "peer-9"], "peer-3": ["peer-0"], "peer-1": ["peer-2"] }, ["peer-3"]));
    assert.deepEqual(l.cuts, [["peer-1", "peer-2"]]);
    assert.deepEqual(l.sides, [["peer-1"], ["peer-2"]]);
    assert.deepEqual(l.bridges, ["peer-0"]);
  });
});
