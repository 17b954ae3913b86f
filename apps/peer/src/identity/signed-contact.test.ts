import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { DhtError, type DhtErrorCode } from "@p2p/dht";
import { SignedContactSchema } from "@p2p/proto/peer";
import type { SignedContact } from "@p2p/proto/peer";
import { PeerIdentity } from "./peer-identity.js";
import { ContactVerifier, SelfContactSigner, canonicalContactBytes, signContact } from "./signed-contact.js";

const NOW = 1_700_000_000_000;
const clock = { now: () => NOW };

function signed(identity = PeerIdentity.generate(), address = "127.0.0.1:4000", httpAddress = "127.0.0.1:8080") {
  return { identity, msg: signContact(identity, { id: identity.id, address, httpAddress }, NOW) };
}

function rejects(fn: () => unknown, code: DhtErrorCode, field: RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DhtError, `expected DhtError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, field);
    return true;
  });
}

test("a signed contact verifies to the contact it names", () => {
  const { identity, msg } = signed();
  const contact = new ContactVerifier({ clock }).verify(msg);
  assert.deepEqual(contact, { id: identity.id, address: "127.0.0.1:4000", httpAddress: "127.0.0.1:8080" });
});

test("canonical bytes are unambiguous across field boundaries", () => {
  const base = { id: "x", publicKey: new Uint8Array(32), signedAtMs: 1n };
  const a = canonicalContactBytes({ ...base, grpcAddress: "a:1", httpAddress: "b:2" });
  const b = canonicalContactBytes({ ...base, grpcAddress: "a:1b", httpAddress: ":2" });
  assert.notDeepEqual(a, b);
});

test("missing, forged or malformed contacts are rejected with a code and the field", () => {
  const v = new ContactVerifier({ clock });
  rejects(() => v.verify(undefined), "unauthenticated", /sender: missing/);

  const { msg } = signed();
  const other = PeerIdentity.generate();
  // Someone else's ID with our key and a valid signature over it: id != sha256(key).
  const wrongId = signContact(other, { id: other.id, address: "127.0.0.1:4000", httpAddress: "" }, NOW);
  rejects(() => v.verify({ ...wrongId, publicKey: msg.publicKey }), "unauthenticated", /sender\.id/);

  const tampered: SignedContact = create(SignedContactSchema, { ...msg, grpcAddress: "10.0.0.1:4000" });
  rejects(() => v.verify(tampered), "unauthenticated", /sender\.signature/);

  const badSig = create(SignedContactSchema, { ...msg, signature: new Uint8Array(64) });
  rejects(() => v.verify(badSig), "unauthenticated", /signature/);

  for (const address of ["127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "host name:1", "http://a:1", ":80", ""]) {
    const bad = signed(undefined, address).msg;
    rejects(() => v.verify(bad), "invalid_argument", /sender\.grpc_address/);
  }
  const badHttp = signed(undefined, "127.0.0.1:1", "nope").msg;
  rejects(() => v.verify(badHttp), "invalid_argument", /sender\.http_address/);

  const shortKey = create(SignedContactSchema, { ...msg, publicKey: msg.publicKey.subarray(0, 31) });
  rejects(() => v.verify(shortKey), "invalid_argument", /public_key/);

  const future = signContact(other, { id: other.id, address: "127.0.0.1:4000", httpAddress: "" }, NOW + 3_600_000);
  rejects(() => v.verify(future, "responder"), "invalid_argument", /responder\.signed_at_ms/);
});

test("IPv6 and DNS addresses are accepted", () => {
  const v = new ContactVerifier({ clock });
  assert.equal(v.verify(signed(undefined, "[::1]:4000").msg).address, "[::1]:4000");
  assert.equal(v.verify(signed(undefined, "peer-3.example.org:4000").msg).address, "peer-3.example.org:4000");
});

test("the cache never accepts a known signature with altered fields, and stays bounded", () => {
  const v = new ContactVerifier({ clock, cacheSize: 2 });
  const { msg } = signed();
  v.verify(msg);
  v.verify(msg);
  assert.equal(v.cachedCount, 1);
  rejects(() => v.verify(create(SignedContactSchema, { ...msg, httpAddress: "" })), "unauthenticated", /signature/);
  v.verify(signed().msg);
  v.verify(signed().msg);
  assert.equal(v.cachedCount, 2);
});

test("the self signer re-signs only when addresses change", () => {
  const identity = PeerIdentity.generate();
  const signer = new SelfContactSigner(identity, clock);
  const self = { id: identity.id, address: "127.0.0.1:1", httpAddress: "" };
  const first = signer.sign(self);
  assert.equal(signer.sign({ ...self }), first);
  const moved = signer.sign({ ...self, address: "127.0.0.1:2" });
  assert.notEqual(moved, first);
  assert.equal(new ContactVerifier({ clock }).verify(moved).address, "127.0.0.1:2");
  assert.throws(() => signer.sign({ ...self, id: "0".repeat(64) }), /not this identity/);
});
