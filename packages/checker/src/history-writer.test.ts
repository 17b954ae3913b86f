import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { HistoryWriter } from "./history-writer.js";
import { parseHistory } from "./parse-history.js";
import { ver } from "./testing/history-fixtures.js";

describe("HistoryWriter", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "history-writer-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes a history that parseHistory reads back as written", async () => {
    const path = join(dir, "h.jsonl");
    const w = await HistoryWriter.open(path, { run: "round-trip", startedAt: "2025-01-02T03:04:05.000Z", meta: { seed: 3 } });
    await w.phase("load", 0);
    await w.invoke({ id: 1, client: "c1", f: "put", key: "k", value: "a", start: 1, peer: "p1" });
    await w.fault({ id: "f1", kind: "partition", start: 2, peers: ["p1"], detail: { sides: [["p1"], ["p2"]] } });
    await w.complete({ id: 1, client: "c1", f: "put", key: "k", value: "a", start: 1, end: 3, outcome: "ok", version: ver(3) });
    await w.invoke({ id: 2, client: "c2", f: "delete", key: "k", start: 4 });
    await w.complete({ id: 3, client: "c1", f: "get", key: "k", start: 5, end: 6, outcome: "ok", result: { found: true, value: "a", version: ver(3) } });
    await w.fault({ id: "f1", kind: "partition", start: 2, end: 7, peers: ["p1"] });
    await w.phase("final-reads", 10);
    await w.close();

    const h = parseHistory(await readFile(path, "utf8"));
    assert.deepEqual(h.header, { type: "history", version: 1, run: "round-trip", startedAt: "2025-01-02T03:04:05.000Z", meta: { seed: 3 } });
    assert.deepEqual(
      h.ops.map((op) => [op.id, op.f, op.outcome, op.end]),
      [
        [1, "put", "ok", 3],
        [2, "delete", "unknown", Infinity],
        [3, "get", "ok", 6],
      ],
    );
    assert.equal(h.ops[0]!.peer, "p1");
    assert.deepEqual(h.faults, [{ id: "f1", kind: "partition", start: 2, end: 7, peers: ["p1"], detail: { sides: [["p1"], ["p2"]] }, line: 8 }]);
    assert.deepEqual(h.phases, { load: 0, "final-reads": 10 });
    assert.deepEqual(h.warnings, []);
  });

  it("loses nothing and keeps order through a small buffer", async () => {
    const path = join(dir, "many.jsonl");
    const w = await HistoryWriter.open(path, { flushAtBytes: 256, maxBufferedBytes: 1024, flushIntervalMs: 0 });
    // Not awaited one by one: a burst of appends must still land in order and complete.
    const pending = [];
    for (let i = 0; i < 2000; i++) {
      pending.push(w.complete({ id: i, client: "c1", f: "put", key: `k${i % 7}`, value: `v${i}`, start: i, end: i + 1, outcome: "ok", version: ver(i + 1) }));
    }
    await Promise.all(pending);
    await w.close();
    const h = parseHistory(await readFile(path, "utf8"));
    assert.equal(h.ops.length, 2000);
    assert.deepEqual(
      h.ops.slice(0, 3).map((op) => op.id),
      [0, 1, 2],
    );
  });

  it("makes every appended event readable after flush, before close", async () => {
    const path = join(dir, "flush.jsonl");
    const w = await HistoryWriter.open(path, { flushIntervalMs: 0 });
    await w.phase("load", 0);
    await w.flush();
    assert.deepEqual(parseHistory(await readFile(path, "utf8")).phases, { load: 0 });
    await w.close();
  });

  it("refuses an invalid event, naming the field, and keeps going", async () => {
    const path = join(dir, "bad.jsonl");
    const w = await HistoryWriter.open(path);
    await assert.rejects(
      w.complete({ id: 1, client: "c1", f: "put", key: "k", value: "a", start: 0, end: 1, outcome: "ok" }),
      { name: "TypeError", message: "invalid op event: version: an ok put needs the version it wrote" },
    );
    await w.phase("load", 0);
    await w.close();
    assert.equal((await readFile(path, "utf8")).trim().split("\n").length, 2);
  });

  it("never overwrites an existing history unless asked to", async () => {
    const path = join(dir, "exists.jsonl");
    await writeFile(path, "evidence\n");
    await assert.rejects(HistoryWriter.open(path), { code: "EEXIST" });
    assert.equal(await readFile(path, "utf8"), "evidence\n");
    const w = await HistoryWriter.open(path, { overwrite: true });
    await w.close();
    assert.equal(parseHistory(await readFile(path, "utf8")).ops.length, 0);
  });

  it("refuses appends after close, and closes once", async () => {
    const w = await HistoryWriter.open(join(dir, "closed.jsonl"));
    await w.close();
    await w.close();
    await assert.rejects(w.phase("load", 0), /history writer is closed/);
  });

  it("refuses options out of range before creating the file", async () => {
    await assert.rejects(HistoryWriter.open(join(dir, "o1.jsonl"), { flushAtBytes: 0 }), RangeError);
    await assert.rejects(HistoryWriter.open(join(dir, "o2.jsonl"), { flushAtBytes: 100, maxBufferedBytes: 10 }), RangeError);
    assert.deepEqual(await readdir(dir), []);
  });
});
