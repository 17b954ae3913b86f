import { test } from "node:test";
import assert from "node:assert/strict";
import { CliError } from "../errors.js";
import { splitLines, type Line } from "./lines.js";
import { itemsOf, parseEntryLine, parseKeyLine, argumentKey, type Entry, type Item } from "./records.js";

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield typeof p === "string" ? Buffer.from(p) : p;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const usage = async (p: Promise<unknown>, message: RegExp) =>
  assert.rejects(p, (err: unknown) => err instanceof CliError && err.exitCode === 2 && message.test(err.message));

test("lines split across chunks are joined, numbered from 1, with CRLF, BOM and a last line without newline", async () => {
  const lines = await collect(splitLines(chunks("\uFEFFa", "b\r\n", "\nc\nlast"), 100));
  assert.deepEqual(lines, [
    { lineNo: 1, text: "ab", bytes: 3 + 3 + 1 },
    { lineNo: 2, text: "", bytes: 1 },
    { lineNo: 3, text: "c", bytes: 2 },
    { lineNo: 4, text: "last", bytes: 4 },
  ]);
  assert.equal(lines.reduce((n, l) => n + l.bytes, 0), Buffer.byteLength("\uFEFFab\r\n\nc\nlast"), "bytes add up to the input's size");
});

test("a multi-byte character split between chunks survives", async () => {
  const euro = Buffer.from("€\n");
  const lines = await collect(splitLines(chunks(euro.subarray(0, 1), euro.subarray(1)), 100));
  assert.deepEqual(lines.map((l) => l.text), ["€"]);
});

test("a line over the limit is a usage error naming its line, without reading on", async () => {
  await usage(collect(splitLines(chunks("ok\n", "x".repeat(50), "x".repeat(60), "\n"), 100, "big.ndjson")), /^big\.ndjson line 2: longer than 100 bytes$/);
  await usage(collect(splitLines(chunks("ok\n" + "y".repeat(101) + "\n"), 100)), /line 2: longer/);
});

const line = (text: string, lineNo = 7): Line => ({ lineNo, text, bytes: Buffer.byteLength(text) + 1 });

test("an NDJSON entry needs an object with a string key and value; errors name the line and field", () => {
  assert.deepEqual(parseEntryLine(line('{"key":"a","value":"1","version":3}'), "f"), { key: "a", value: "1", lineNo: 7, size: 1 + 1 + 16 });
  assert.equal(parseEntryLine(line("   "), "f"), undefined);
  const bad: [string, RegExp][] = [
    ["{nope", /^f line 7: not JSON \(/],
    ["[1]", /^f line 7: expected an object \{"key": …, "value": …\}, got an array$/],
    ['"s"', /got a string$/],
    ['{"value":"1"}', /^f line 7: key: expected a string, got nothing$/],
    ['{"key":5,"value":"1"}', /^f line 7: key: expected a string, got a number$/],
    ['{"key":"","value":"1"}', /^f line 7: key: must be 1 to 1024 bytes of UTF-8, got 0$/],
    ['{"key":"a","value":null}', /^f line 7: value: expected a string, got null$/],
    ['{"key":"a","value":{"x":1}}', /^f line 7: value: expected a string, got an object$/],
  ];
  for (const [text, message] of bad) {
    assert.throws(() => parseEntryLine(line(text), "f"), (err: unknown) => err instanceof CliError && err.exitCode === 2 && message.test(err.message), text);
  }
});

test("a key line is the whole line; keys given as arguments are checked with their position", () => {
  assert.deepEqual(parseKeyLine(line(" spaced key "), "keys.txt"), { key: " spaced key ", lineNo: 7, size: 12 + 16 });
  assert.equal(parseKeyLine(line(""), "keys.txt"), undefined);
  assert.throws(() => parseKeyLine(line("k".repeat(1025), 3), "keys.txt"), /^CliError: keys\.txt line 3: key: must be 1 to 1024 bytes/);
  assert.throws(() => argumentKey("", 1), /key 2 \(""\): must be 1 to 1024/);
});

test("items skip blank lines, crediting their bytes to the next item, and stop at the first bad line", async () => {
  const text = '{"key":"a","value":"1"}\n\n{"key":"b","value":"2"}\n{"key":"c"}\n{"key":"d","value":"4"}\n';
  const seen: Entry[] = [];
  await usage(
    (async () => {
      for await (const e of itemsOf<Entry>(splitLines(chunks(text), 1000, "in"), (l) => parseEntryLine(l, "in"))) seen.push(e);
    })(),
    /^in line 4: value: expected a string, got nothing$/,
  );
  assert.deepEqual(seen.map((e) => [e.key, e.lineNo, e.inputBytes]), [["a", 1, 24], ["b", 3, 1 + 24]]);
  const keys = await collect(itemsOf<Item>(splitLines(chunks("x\n\ny\n"), 100), (l) => parseKeyLine(l, "k")));
  assert.deepEqual(keys.map((k) => k.key), ["x", "y"]);
});
