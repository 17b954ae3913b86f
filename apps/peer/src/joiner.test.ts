import assert from "node:assert/strict";
import { test } from "node:test";
import type { Contact, DhtNode } from "@p2p/dht";
import { createLogger } from "./observability/logger.js";
import { Joiner } from "./joiner.js";
import { expandSeedAddresses } from "./seed-addresses.js";

const contact = (id: string, address: string): Contact => ({ id: id.repeat(64), address, httpAddress: "" }) as Contact;

test("names become every address they resolve to; literals stay; duplicates go; an unresolved name is reported and skipped", async () => {
  const unresolved: string[] = [];
  const out = await expandSeedAddresses(
    ["peers.svc:9001", "10.0.0.9:9001", "gone.svc:9001", "[::1]:9001", "v6.svc:9001"],
    async (host) => {
      if (host === "peers.svc") return ["10.0.0.1", "10.0.0.2", "10.0.0.9"];
      if (host === "v6.svc") return ["fd00::1"];
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    },
    (address) => unresolved.push(address),
  );
  assert.deepEqual(out.sort(), ["10.0.0.1:9001", "10.0.0.2:9001", "10.0.0.9:9001", "[::1]:9001", "[fd00::1]:9001"].sort());
  assert.deepEqual(unresolved, ["gone.svc:9001"]);
});

test("one name yields at most 64 addresses", async () => {
  const many = Array.from({ length: 500 }, (_, i) => `10.1.${i >> 8}.${i & 255}`);
  assert.equal((await expandSeedAddresses(["big.svc:1"], async () => many, () => {})).length, 64);
});

test("while nobody answers, the joiner retries with backoff, resolving the name again each time, and stops once it has joined", async () => {
  const self = contact("a", "10.0.0.1:9001");
  const other = contact("b", "10.0.0.2:9001");
  let resolutions = 0;
  let up = false;
  const bootstrapped: Contact[][] = [];
  const node = {
    kademlia: { self, routingTable: { all: () => [] } },
    bootstrap: async (seeds: Contact[]) => void bootstrapped.push(seeds),
  } as unknown as DhtNode;
  const transport = {
    probe: async (address: string) => {
      if (address === self.address) return self;
      if (up && address === other.address) return other;
      throw new Error("UNAVAILABLE");
    },
  };
  const joiner = new Joiner(
    node,
    transport,
    ["peers.svc:9001"],
    { timeoutMs: 100, retryMs: 20, retryMaxMs: 80, resolve: async () => (resolutions++, up ? [self.address.split(":")[0]!, "10.0.0.2"] : ["10.0.0.1"]) },
    createLogger({ level: "silent" }),
  );
  try {
    await joiner.tryOnce();
    // Only itself answered: that is not a join.
    assert.equal(joiner.joined, false);
    assert.equal(bootstrapped.length, 0);
    await new Promise((r) => setTimeout(r, 150));
    assert.ok(resolutions >= 3, `resolved ${resolutions} times`);
    up = true;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(joiner.joined, true);
    assert.deepEqual(bootstrapped, [[other]]);
    const after = resolutions;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(resolutions, after, "no attempts after the join");
  } finally {
    joiner.stop();
  }
});
