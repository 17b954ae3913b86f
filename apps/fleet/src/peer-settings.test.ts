import assert from "node:assert/strict";
import { test } from "node:test";
import { mergePeerSettings, peerSettingArgs } from "./peer-settings.js";

test("spawn settings: quorums that do not overlap are refused before a peer is started with them", () => {
  assert.throws(() => mergePeerSettings({}, { writeQuorum: 1, readQuorum: 1 }), (e: Error) => /^writeQuorum: writeQuorum \+ readQuorum must exceed replicationFactor \(3\) .* got 1 \+ 1; or set consistency weak$/.test(e.message));
  assert.throws(() => mergePeerSettings({ replicationFactor: 5 }, { writeQuorum: 3 }), /got 3 \+ 2/, "the peer's default Rq = 2 counts");
  const ok = mergePeerSettings({ replicationFactor: 5 }, { writeQuorum: 3, readQuorum: 3 });
  assert.deepEqual(peerSettingArgs(ok), ["--replication-factor", "5", "--write-quorum", "3", "--read-quorum", "3"]);
  assert.throws(() => mergePeerSettings({}, { writeQuorum: 4 }), /: writeQuorum: must not exceed replicationFactor \(3\), got 4$/, "the peer's default R = 3 counts");
  const weak = mergePeerSettings({}, { writeQuorum: 1, readQuorum: 1, consistency: "weak" });
  assert.deepEqual(peerSettingArgs(weak), ["--write-quorum", "1", "--read-quorum", "1", "--consistency", "weak"]);
  assert.throws(() => mergePeerSettings({}, { consistency: "eventual" as "weak" }), /: consistency: /);
});
