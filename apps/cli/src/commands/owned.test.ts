import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { GetOwnedResponseSchema } from "@p2p/proto/node";
import { generateOwnerKey, parseOwnerKey, signOwned } from "@p2p/dht";
import { saltOf, verifyAnswer } from "./owned.js";

test("the record's name is NAME or --salt, \"-\" for none, never two different ones", () => {
  assert.equal(saltOf("profile", undefined), "profile");
  assert.equal(saltOf("-", undefined), "");
  assert.equal(saltOf(undefined, undefined), "");
  assert.equal(saltOf("-", "s"), "s");
  assert.throws(() => saltOf("a", "b"), /either as NAME or as --salt/);
});

test("an answer verifies only with its owner's key and untouched fields", () => {
  const key = parseOwnerKey(generateOwnerKey().privateKeyPem);
  const e = signOwned(key, { salt: new TextEncoder().encode("s"), seq: 3, value: new TextEncoder().encode("v") });
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  const answer = create(GetOwnedResponseSchema, { publicKey: hex(e.publicKey), salt: "s", seq: 3n, signature: hex(e.signature), value: "v" });
  assert.equal(verifyAnswer(hex(e.publicKey), answer), true);
  assert.equal(verifyAnswer(hex(e.publicKey), { ...answer, value: "w" }), false);
  assert.equal(verifyAnswer(hex(e.publicKey), { ...answer, seq: 4n }), false);
  assert.equal(verifyAnswer("ab".repeat(32), answer), false);
});
