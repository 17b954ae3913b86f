/**
 * Random protobuf messages of any schema, by reflection over its descriptor, so every method of
 * every service is fuzzed with inputs of the right shape (which get past decoding and reach the
 * handlers' own checks) without a hand-written generator per message. Values lean towards the
 * edges that break parsers: empty and huge strings, lone surrogates, path tricks, 64-hex
 * strings that look like IDs and hashes, extreme integers, NaN.
 */
import { create, ScalarType, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import type { Prng } from "../chaos/prng.js";

/** Deepest nesting generated (recursive messages stop here). */
const MAX_DEPTH = 4;

const TRICKY_STRINGS = [
  "", " ", "\u0000", "../../etc/passwd", "%00", "%zz", "a/b", "\ud800", "\u{1f600}".repeat(3), "null", "{}", "-1",
  "0".repeat(64), "f".repeat(64), "g".repeat(64), "127.0.0.1:1", "[::1]:0", "localhost:99999", "x".repeat(1025),
];

export function randomString(rng: Prng): string {
  const r = rng.next();
  if (r < 0.35) return rng.pick(TRICKY_STRINGS);
  if (r < 0.5) return Array.from({ length: 64 }, () => "0123456789abcdef"[rng.int(0, 15)]).join("");
  if (r < 0.55) return "y".repeat(rng.int(2_000, 70_000));
  const n = rng.int(1, 40);
  return Array.from({ length: n }, () => String.fromCharCode(rng.next() < 0.9 ? rng.int(0x20, 0x7e) : rng.int(0, 0xffff))).join("");
}

export function randomBytes(rng: Prng, max = 300): Uint8Array {
  const n = rng.pick([0, 1, 32, 64, rng.int(0, max)]);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(0, 255);
  return out;
}

function randomScalar(rng: Prng, type: ScalarType): unknown {
  switch (type) {
    case ScalarType.STRING:
      return randomString(rng);
    case ScalarType.BYTES:
      return randomBytes(rng);
    case ScalarType.BOOL:
      return rng.next() < 0.5;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return rng.pick([0, -1, 0.5, 1e300, -1e300, Number.NaN, Number.POSITIVE_INFINITY, rng.next() * 1e6]);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return rng.pick([0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), BigInt(rng.int(0, 2 ** 31)) * 1000n]);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return rng.pick([0n, 1n, 2n ** 64n - 1n, 2n ** 53n, BigInt(rng.int(0, 2 ** 31)) * 1000n]);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return rng.pick([0, 1, 2 ** 32 - 1, 2 ** 31, rng.int(0, 2 ** 20)]);
    default:
      return rng.pick([0, 1, -1, 2 ** 31 - 1, -(2 ** 31), rng.int(-1000, 1000)]);
  }
}

function randomSingle(rng: Prng, field: DescField, depth: number): unknown {
  switch (field.fieldKind) {
    case "scalar":
      return randomScalar(rng, field.scalar);
    case "enum":
      return rng.next() < 0.8 ? rng.pick(field.enum.values).number : rng.int(-5, 99);
    case "message":
      return randomMessage(rng, field.message, depth + 1);
    default:
      return undefined;
  }
}

function randomValue(rng: Prng, field: DescField, depth: number): unknown {
  if (field.fieldKind === "list") {
    const n = rng.pick([0, 1, 2, rng.int(0, 20)]);
    return Array.from({ length: n }, () =>
      field.listKind === "message" ? randomMessage(rng, field.message, depth + 1)
      : field.listKind === "enum" ? rng.pick(field.enum.values).number
      : randomScalar(rng, field.scalar));
  }
  if (field.fieldKind === "map") {
    const out: Record<string, unknown> = {};
    for (let i = rng.int(0, 3); i > 0; i--) {
      const key = String(randomScalar(rng, field.mapKey));
      out[key] = field.mapKind === "message" ? randomMessage(rng, field.message, depth + 1)
        : field.mapKind === "enum" ? rng.pick(field.enum.values).number
        : randomScalar(rng, field.scalar);
    }
    return out;
  }
  return randomSingle(rng, field, depth);
}

/** A message of `desc` with about two thirds of its fields set to random values. */
export function randomMessage(rng: Prng, desc: DescMessage, depth = 0): Message {
  const msg = create(desc) as unknown as Record<string, unknown>;
  if (depth >= MAX_DEPTH) return msg as unknown as Message;
  for (const field of desc.fields) {
    if (rng.next() < 0.33) continue;
    if (field.fieldKind === "message" && depth + 1 >= MAX_DEPTH) continue;
    const value = randomValue(rng, field, depth);
    if (value === undefined) continue;
    if (field.oneof) msg[field.oneof.localName] = { case: field.localName, value };
    else msg[field.localName] = value;
  }
  return msg as unknown as Message;
}
