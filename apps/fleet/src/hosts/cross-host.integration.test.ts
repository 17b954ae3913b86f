/**
 * The network across hosts: 7 test hosts (network namespaces, each with its own address), one
 * real peer on each, joined through a name that resolves to all of them. Faults happen at the
 * network layer (a link taken down, the bridge split by nftables), and each scenario's history
 * is checked: no acknowledged write may be lost, no read may be stale once the network settled.
 * Latency is not injected here (this kernel has no netem); the peers run with short deadlines
 * (500 ms per peer call) so a partition shows as timeouts within a client's 4 s deadline.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test, type TestContext } from "node:test";
import { formatVerdict } from "@p2p/checker";
import { nodeClient, waitFor } from "@p2p/launcher";
import { createTestHosts, partitionsUnavailable, type TestHosts } from "@p2p/netns";
import { GRPC_PORT, HostPeers, HTTP_PORT, SEED_NAME } from "./host-peers.js";
import { runHostScenario, type HostScenarioOptions, type HostScenarioResult } from "./host-scenario.js";

const skip = await partitionsUnavailable();
if (skip) console.log(`# cross-host tests skipped: ${skip}`);

const PEER_ARGS = ["--rpc-timeout-ms", "500", "--request-timeout-ms", "3000", "--repair-interval-ms", "5000", "--log-level", "warn"];
const LOAD = { seconds: 60, clients: 8, keys: 40 } as const;

/** The figures a note needs, as test diagnostics (they show in the runner's output). */
function report(t: TestContext, r: HostScenarioResult): void {
  const c = r.counts;
  t.diagnostic(`ops ${c.ops}: ok ${c.ok}, fail ${c.fail}, unknown ${c.unknown}; converged ${r.convergeMs} ms after heal; verdict ${r.verdict.valid ? "VALID" : "INVALID"}`);
  for (const w of r.windows) {
    t.diagnostic(`${w.kind} ${w.detail} ${w.startMs}-${w.endMs} ms: ${w.ops} ops, ${w.errors} not ok; acknowledged writes by side ${JSON.stringify(w.ackedWritesBySide)}`);
  }
  t.diagnostic(`stale reads during faults ${r.verdict.counts.staleDuringFaults}; history ${r.historyPath}`);
}

/** Set when a scenario fails: its history stays on disk (the path is in the diagnostics). */
let keepHistories = false;

function assertValid(r: HostScenarioResult): void {
  if (!r.verdict.valid || r.convergeMs < 0) keepHistories = true;
  assert.ok(r.verdict.valid, formatVerdict(r.verdict));
  assert.ok(r.counts.ok > 500, `only ${r.counts.ok} operations succeeded`);
  assert.ok(r.convergeMs >= 0, "the network did not settle within 60 s of the heal");
}

describe("across 7 test hosts", { skip }, () => {
  let hosts: TestHosts;
  let peers: HostPeers;
  let dir = "";

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "p2p-cross-host-"));
    hosts = await createTestHosts({ count: 7 });
    peers = await HostPeers.start(hosts, { args: PEER_ARGS });
  });
  after(async () => {
    await peers?.stop();
    await hosts?.destroy();
    if (dir && !keepHistories) await rm(dir, { recursive: true, force: true });
  });

  const scenario = (seed: number, faults: HostScenarioOptions["faults"]) =>
    runHostScenario(hosts, peers, { ...LOAD, seed, faults, dir: join(dir, `seed-${seed}`) });

  test("every peer has its own address, and each knows the others by theirs", async () => {
    assert.equal(new Set(hosts.hosts.map((h) => peers.peer(h.name).grpcAddress)).size, 7);
    for (const h of hosts.hosts) assert.equal(peers.peer(h.name).grpcAddress, `${h.address}:9001`);
    await peers.waitForCompleteTables();
  });

  test("a host cut off for 20 s, then healed: no acknowledged write lost, no stale read after it settles", { timeout: 240_000 }, async (t) => {
    const r = await scenario(1201, [{ kind: "cutoff", host: "h4", atS: 15, forS: 20 }]);
    report(t, r);
    assertValid(r);
  });

  test("a 3|4 partition with writes on both sides, then heal: every acknowledged write is readable everywhere", { timeout: 240_000 }, async (t) => {
    const r = await scenario(1202, [{ kind: "partition", sides: [["h1", "h2", "h3"], ["h4", "h5", "h6", "h7"]], atS: 15, forS: 20 }]);
    report(t, r);
    assertValid(r);
    const split = r.windows[0]!;
    // Both sides took client requests; the majority side must have acknowledged writes.
    assert.ok((split.ackedWritesBySide["h4,h5,h6,h7"] ?? 0) > 0, JSON.stringify(split.ackedWritesBySide));
  });

  test("a host whose address changes across a restart rejoins at the new address, and its records follow", { timeout: 120_000 }, async () => {
    await peers.waitForCompleteTables();
    const h1 = nodeClient(peers.peer("h1").httpAddress!);
    const keys = Array.from({ length: 30 }, (_, i) => `moved/${i}`);
    for (const key of keys) await h1.put({ key, value: `v-${key}` });
    const mover = peers.peer("h6");
    const moverId = mover.id!;
    const held = async (client = h1) => {
      const out: string[] = [];
      for (const key of keys) {
        const s = await client.replicaStatus({ key });
        if (s.holders.some((x) => x.peer?.id === moverId && x.answered && x.holds)) out.push(key);
      }
      return out;
    };
    const before = await held();
    assert.ok(before.length > 0, "h6 holds none of the keys");

    // The host reboots (the peer dies with it) and comes back with another address.
    await mover.kill();
    const oldAddress = hosts.host("h6").address;
    const newAddress = await hosts.changeAddress("h6", 106);
    await hosts.setHostsFile({ [SEED_NAME]: hosts.hosts.map((h) => h.address) });
    const moved = await peers.startOn("h6");
    assert.equal(moved.id, moverId, "same data dir, same ID");
    assert.equal(moved.grpcAddress, `${newAddress}:9001`);

    // Every other peer learns the new address and forgets the old one.
    await waitFor(
      async () => {
        for (const h of hosts.hosts.filter((x) => x.name !== "h6")) {
          const table = await nodeClient(peers.peer(h.name).httpAddress!).routingTable({});
          const entry = table.buckets.flatMap((b) => b.contacts).find((c) => c.peer?.id === moverId);
          if (!entry || entry.peer!.grpcAddress !== `${newAddress}:9001`) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: `every peer to know h6 at ${newAddress} (was ${oldAddress})` },
    );
    // Its records are served from the new address: the same keys, every value intact.
    assert.deepEqual(await held(), before);
    for (const key of before) assert.equal((await nodeClient(moved.httpAddress!).get({ key })).value, `v-${key}`);
  });

  test("a peer that advertises a DNS name is known and reached by that name", { timeout: 120_000 }, async () => {
    const name = "h7.p2p.test";
    await hosts.setHostsFile({ [SEED_NAME]: hosts.hosts.map((h) => h.address), [name]: [hosts.host("h7").address] });
    await peers.peer("h7").stop(10_000);
    const named = await peers.startOn("h7", ["--advertise", name]);
    assert.equal(named.grpcAddress, `${name}:${GRPC_PORT}`);
    await waitFor(
      async () => {
        for (const h of hosts.hosts.filter((x) => x.name !== "h7")) {
          const table = await nodeClient(peers.peer(h.name).httpAddress!).routingTable({});
          if (!table.buckets.flatMap((b) => b.contacts).some((c) => c.peer?.id === named.id && c.peer?.grpcAddress === `${name}:${GRPC_PORT}`)) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: `every peer to know h7 as ${name}` },
    );
    // Writes through another peer reach it by name: it comes to hold every new key it is a
    // replica of. (Not "it acknowledged": the coordinator answers after W acknowledgements, and a
    // peer just restarted may be the slowest of the three every time.)
    const h1 = nodeClient(peers.peer("h1").httpAddress!);
    const mine: string[] = [];
    for (let i = 0; i < 20; i++) {
      const key = `named/${i}`;
      const put = await h1.put({ key, value: "v" });
      if (put.replicas.some((r) => r.id === named.id)) mine.push(key);
    }
    assert.ok(mine.length > 0, "h7 is a replica of none of 20 keys");
    // The test process resolves no test-host names: it reaches h7 by address.
    const h7 = nodeClient(`${hosts.host("h7").address}:${HTTP_PORT}`);
    await waitFor(
      async () => {
        const held = new Set((await h7.localRecords({ prefix: "named/", pageSize: 100 })).records.map((r) => r.key));
        return mine.every((k) => held.has(k));
      },
      { timeoutMs: 20_000, intervalMs: 500, what: `h7 to hold the ${mine.length} keys it is a replica of` },
    );
  });
});
