import assert from "node:assert/strict";
import { test } from "node:test";
import { createTestnet } from "../testing/testnet.js";
import { sha256Hex } from "../kademlia/node-id.js";
import type { Router } from "../types.js";
import { isReplica, replicaSet } from "./replica-view.js";

test("isReplica: counted from the buckets, it says what ranking the table says, for R = 1..5 on 12 peers", async () => {
  const net = await createTestnet(12);
  try {
    for (const node of net.nodes) {
      const router = node.kademlia;
      // The same router without the count: isReplica ranks closestKnown.
      const ranking = { self: router.self, closestKnown: (t: string, n: number) => router.closestKnown(t, n) } as unknown as Router;
      for (let i = 0; i < 50; i++) {
        const position = sha256Hex(`key ${i}`);
        for (let r = 1; r <= 5; r++) {
          const ranked = replicaSet(router.self, router, position, r).some((p) => p.id === router.self.id);
          assert.equal(isReplica(router.self, router, position, r), ranked);
          assert.equal(isReplica(router.self, ranking, position, r), ranked);
        }
      }
    }
  } finally {
    await net.stop();
  }
});
