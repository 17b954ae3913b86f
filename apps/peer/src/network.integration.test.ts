/**
 * Issue 2's network acceptance tests against real peer processes on loopback: 10 peers joined
 * through one, full routing tables, 500 keys written and read back through every peer over
 * Connect and the REST routes, exactly R copies of each on the R closest peers, and a
 * SIGSTOPped peer that does not stall the others.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { sha256Hex, sortByDistance } from "@p2p/dht";
import { nodeClient, startNetwork, waitFor, type Network, type NodeClient, type PeerProcess } from "@p2p/launcher";

const PEERS = 10;
const KEYS = 500;
const R = 3;
/** Requests in flight at once: enough to overlap round trips, few enough for 2 shared cores. */
const IN_FLIGHT = 16;
/** The peers' default request deadline (requestTimeoutMs). */
const REQUEST_TIMEOUT_MS = 5000;

/** Runs `fn` over `items` with at most `limit` calls in flight; rejects with the first error. */
async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** POST /store_data, the original system's write route. */
async function restStore(peer: PeerProcess, key: string, value: string): Promise<Response> {
  return fetch(`http://${peer.httpAddress}/store_data`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ key, value }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS * 2),
  });
}

/** GET /get_data/<key>, the original system's read route. */
async function restGet(peer: PeerProcess, key: string): Promise<Response> {
  return fetch(`http://${peer.httpAddress}/get_data/${encodeURIComponent(key)}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS * 2) });
}

/** Every record key each peer holds, by paging LocalRecords to the end. */
async function localKeys(client: NodeClient): Promise<string[]> {
  const keys: string[] = [];
  let pageToken = "";
  for (let pages = 0; pages < 100; pages++) {
    const page = await client.localRecords({ pageSize: 200, pageToken });
    keys.push(...page.records.map((r) => r.key));
    if (!page.nextPageToken) return keys;
    pageToken = page.nextPageToken;
  }
  throw new Error("LocalRecords did not end within 100 pages");
}

describe("a 10-peer network on loopback", () => {
  let net: Network;
  let clients: NodeClient[];
  const data = new Map<string, string>();
  // Keys with unusual characters too: they travel in a URL path on the REST route.
  for (let i = 0; i < KEYS; i++) data.set(i % 50 === 0 ? `key ${i}/ü?#&` : `key-${i}`, `value ${i} ${"x".repeat(i % 37)}`);
  const keys = [...data.keys()];

  before(async () => {
    net = await startNetwork(PEERS);
    // A client deadline above the peers' own request deadline, so that a slow operation shows
    // up as the peer's DEADLINE_EXCEEDED rather than as our client giving up.
    clients = net.peers.map((p) => nodeClient(p.httpAddress!, { timeoutMs: REQUEST_TIMEOUT_MS * 2 }));
  });
  after(async () => {
    // SIGCONT first: a frozen peer cannot act on the SIGTERM of stop().
    for (const p of net?.peers ?? []) p.signal("SIGCONT");
    await net?.stop();
  });

  test("every routing table holds every other peer", async () => {
    const ids = net.peers.map((p) => p.id!);
    await waitFor(
      async () => {
        for (const [i, client] of clients.entries()) {
          const table = await client.routingTable({});
          assert.equal(table.selfId, ids[i]);
          const known = new Set(table.buckets.flatMap((b) => b.contacts.map((c) => c.peer?.id)));
          const missing = ids.filter((id) => id !== ids[i] && !known.has(id));
          if (missing.length > 0) throw new Error(`peer ${i} misses ${missing.length} peer(s)`);
          assert.ok(!known.has(ids[i]), `peer ${i} lists itself`);
        }
        return true;
      },
      { timeoutMs: 20_000, intervalMs: 250, what: "full routing tables" },
    );
    const info = await clients[3]!.info({});
    assert.equal(info.contacts, PEERS - 1);
    assert.equal(info.id, ids[3]);
  });

  test(`${KEYS} keys put through random peers (Connect and REST) are read back through every peer`, async () => {
    // Half through Connect Put, half through POST /store_data; the peer is picked by index so
    // every peer coordinates writes.
    await inParallel(keys, IN_FLIGHT, async (key, i) => {
      const peer = (i * 7) % PEERS;
      if (i % 2 === 0) {
        const res = await clients[peer]!.put({ key, value: data.get(key)! });
        assert.equal(res.key, key);
        assert.equal(res.position, sha256Hex(key));
        assert.equal(res.replicas.length, R);
        assert.ok(res.acknowledgedBy.length >= 2, `put ${key}: acknowledged by ${res.acknowledgedBy.length}`);
      } else {
        const res = await restStore(net.peers[peer]!, key, data.get(key)!);
        assert.equal(res.status, 200, `store_data ${key}: ${await res.clone().text()}`);
        const body = (await res.json()) as { key: string; replicas: string[] };
        assert.equal(body.key, key);
        assert.equal(body.replicas.length, R);
      }
    });

    // Every key through every peer, alternating surfaces per (key, peer) so each peer and each
    // key is read through both.
    const reads = keys.flatMap((key, k) => net.peers.map((_, p) => ({ key, p, rest: (k + p) % 2 === 0 })));
    await inParallel(reads, IN_FLIGHT, async ({ key, p, rest }) => {
      if (rest) {
        const res = await restGet(net.peers[p]!, key);
        assert.equal(res.status, 200, `get_data ${key} via peer ${p}: ${await res.clone().text()}`);
        assert.equal(((await res.json()) as { value: string }).value, data.get(key), `get_data ${key} via peer ${p}`);
      } else {
        const res = await clients[p]!.get({ key });
        assert.equal(res.value, data.get(key), `Get ${key} via peer ${p}`);
      }
    });
  });

  test("a missing key is 404 with a JSON error on REST and NOT_FOUND on Connect", async () => {
    const res = await restGet(net.peers[1]!, "no-such-key");
    assert.equal(res.status, 404);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    const body = (await res.json()) as { error: string; code: string };
    assert.equal(body.code, "not_found");
    assert.equal(typeof body.error, "string");
    await assert.rejects(clients[2]!.get({ key: "no-such-key" }), (e: unknown) => ConnectError.from(e).code === Code.NotFound);
  });

  test("each key is held by exactly the R peers closest to it (LocalRecords)", async () => {
    const contacts = net.peers.map((p) => ({ id: p.id!, address: p.grpcAddress!, httpAddress: p.httpAddress! }));
    const expected = new Map(keys.map((key) => [key, sortByDistance(sha256Hex(key), contacts).slice(0, R).map((c) => c.id).sort()]));
    // A replica too slow under load to answer a write or a read in time gets a copy on the next
    // closest peer instead; that substitute hands it back within seconds (hinted hand-off).
    await waitFor(
      async () => {
        const holders = new Map<string, string[]>();
        for (const [i, client] of clients.entries()) {
          const held = await localKeys(client);
          const info = await client.info({});
          assert.equal(Number(info.records), held.length, `peer ${i}: Info.records vs LocalRecords`);
          for (const key of held) holders.set(key, [...(holders.get(key) ?? []), net.peers[i]!.id!]);
        }
        for (const key of keys) {
          assert.deepEqual([...(holders.get(key) ?? [])].sort(), expected.get(key), `holders of ${JSON.stringify(key)}`);
        }
        assert.equal(holders.size, keys.length, "no peer holds a key that was never written");
        return true;
      },
      { timeoutMs: 20_000, intervalMs: 500, what: "exactly R holders per key" },
    );
  });

  test("with one peer SIGSTOPped, writes and reads through the others complete within their deadlines", async (t) => {
    const frozen = net.peers[4]!;
    const frozenId = frozen.id!;
    t.after(() => void frozen.signal("SIGCONT"));
    assert.ok(frozen.signal("SIGSTOP"));

    const contacts = net.peers.map((p) => ({ id: p.id!, address: p.grpcAddress!, httpAddress: p.httpAddress! }));
    const replicatedOnFrozen = (key: string) => sortByDistance(sha256Hex(key), contacts).slice(0, R).some((c) => c.id === frozenId);
    // Reads of keys the frozen peer holds a copy of, and writes of new keys whose replica set
    // includes it: both need the two other replicas and must not wait for the third.
    const readKeys = keys.filter(replicatedOnFrozen).slice(0, 60);
    const writeKeys: string[] = [];
    for (let i = 0; writeKeys.length < 40; i++) if (replicatedOnFrozen(`during-stop-${i}`)) writeKeys.push(`during-stop-${i}`);
    assert.ok(readKeys.length >= 30, `only ${readKeys.length} keys replicated on the frozen peer`);

    const others = clients.filter((_, i) => i !== 4);
    const failures: string[] = [];
    const ops = [
      ...writeKeys.map((key, i) => ({ key, i, write: true })),
      ...readKeys.map((key, i) => ({ key, i, write: false })),
    ];
    await inParallel(ops, IN_FLIGHT, async ({ key, i, write }) => {
      const client = others[i % others.length]!;
      try {
        if (write) await client.put({ key, value: `written while ${frozenId.slice(0, 8)} was frozen` });
        else assert.equal((await client.get({ key })).value, data.get(key));
      } catch (err) {
        const e = ConnectError.from(err);
        failures.push(`${write ? "put" : "get"} ${key}: ${Code[e.code]} ${e.rawMessage}`);
      }
    });
    assert.deepEqual(failures, [], `${failures.length} of ${ops.length} operations failed`);

    // The writes are readable through another peer while it is still frozen.
    for (const key of writeKeys.slice(0, 5)) assert.match((await clients[0]!.get({ key })).value, /written while/);

    assert.ok(frozen.signal("SIGCONT"));
    await waitFor(async () => (await clients[4]!.info({})).id === frozenId, { timeoutMs: 10_000, what: "the thawed peer to answer" });
  });
});
