import assert from "node:assert/strict";
import { test } from "node:test";
import type { Contact } from "../types.js";
import { silentLogger } from "../types.js";
import { defaultAntiEntropyOptions } from "./anti-entropy-options.js";
import { PeerBackoff } from "./peer-backoff.js";

const peer: Contact = { id: "b".repeat(64), address: "10.0.0.2:9001", httpAddress: "" };

function backoff() {
  const clock = { t: 0, now: () => clock.t };
  const nudges: number[] = [];
  const b = new PeerBackoff({
    router: { reportFailure: () => {}, reportSuccess: () => {} } as never,
    transport: { ping: async () => Promise.reject(new Error("unreachable")) } as never,
    clock,
    log: silentLogger,
    host: { options: { ...defaultAntiEntropyOptions, repairIntervalMs: 5000 }, rpcTimeoutMs: () => 500, nudge: () => nudges.push(clock.t) },
  });
  return { b, clock };
}

test("a neighbour backed off for not answering is tried again as soon as it is heard from", async () => {
  const { b, clock } = backoff();
  // Four failed rounds during a partition: backed off 1, 2, 4, then 8 rounds (40 s).
  for (let i = 0; i < 4; i++) await b.failed(peer, new Error("deadline exceeded"), false);
  clock.t = 10_000;
  assert.equal(b.backedOff(peer.id), true);
  // The partition heals and the neighbour calls us: it answers again, so the next round asks it.
  assert.equal(b.forgive(peer.id), true);
  assert.equal(b.backedOff(peer.id), false);
  assert.equal(b.forgive(peer.id), false, "nothing left to forgive");
});

test("a neighbour backed off for answering nonsense stays backed off when it calls", () => {
  const { b } = backoff();
  b.reject(peer, "malformed leaves");
  assert.equal(b.forgive(peer.id), false);
  assert.equal(b.backedOff(peer.id), true);
});
