// A short fuzz run as part of npm test (npm run fuzz runs longer ones): random and mutated
// requests against the REST routes, the Connect API and every PeerService method of 3 real
// peers; afterwards every peer is alive, answers within its deadline and still serves every
// key and the file stored before, unchanged.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultPeerMain } from "@p2p/launcher";
import { formatFuzzReport, fuzzFindings, runFuzz } from "./fuzz-run.js";

test("15 s of fuzzing: no crash, no hang, nothing stored changes", { timeout: 180_000 }, async () => {
  const seed = Number(process.env.P2P_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const report = await runFuzz({ seconds: 15, peers: 3, seed, concurrency: 8, deadlineMs: 10_000, peerMain: process.env.P2P_PEER_MAIN ?? defaultPeerMain });
  const text = formatFuzzReport(report);
  console.log(text);
  const kinds = Object.keys(report.sent);
  assert.ok(kinds.length >= 7, `every kind of request was sent: ${kinds.join(", ")}`);
  assert.equal(fuzzFindings(report), 0, `seed ${seed} (P2P_FUZZ_SEED=${seed} replays it):\n${text}`);
});
