// Disk quotas against real peer processes on loopback (the "Trust" issue): a cut upload's
// pending chunks are released at once on every peer, so the next upload of nearly the quota's
// size succeeds; a flood of PeerService.Store on a peer with a small record quota ends in the
// quota's clear error, and the peer still serves reads and deletes.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { DhtError, ed25519WriterProofs, type DhtRecord } from "@p2p/dht";
import { nodeClient, startNetwork, waitFor, type Network } from "@p2p/launcher";
import { testTransport } from "./grpc/test-peers.js";
import { PeerIdentity } from "./identity/peer-identity.js";

const MiB = 1 << 20;
const CHUNK_QUOTA = 24 * MiB;
const RECORD_QUOTA = 256 * 1024;

/** The value of one series of a peer's /metrics (0 when absent). */
async function metric(httpAddress: string, series: string): Promise<number> {
  const text = await (await fetch(`http://${httpAddress}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

function put(httpAddress: string, name: string, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`http://${httpAddress}/files/${name}`, { method: "PUT", headers: { "content-length": String(body.byteLength) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("disk quotas on 3 real peers", { timeout: 300_000 }, () => {
  let net: Network;

  before(async () => {
    // R = 3 on 3 peers: every chunk and record is on every peer, so each quota is the network's.
    net = await startNetwork(3, {
      peer: { args: ["--disk-quota-bytes", String(CHUNK_QUOTA), "--record-quota-bytes", String(RECORD_QUOTA), "--log-level", "warn"] },
    });
  });
  after(async () => {
    await net?.stop();
  });

  test("an upload cut midway frees its chunks on every peer at once: an upload of nearly the quota's size then succeeds", async () => {
    const target = net.peers[1]!.httpAddress!;
    // Declares 22 MiB, sends 16 MiB, goes away: 16 MiB pending on every peer until released.
    await new Promise<void>((resolve) => {
      const req = http.request(`http://${target}/files/cut.bin`, { method: "PUT", headers: { "content-length": String(22 * MiB) } });
      req.on("error", () => resolve());
      req.write(randomBytes(16 * MiB), () =>
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 500),
      );
    });
    const started = Date.now();
    // The release runs when the peer notices the cut: seconds, not the 24 h lease.
    await waitFor(
      async () => {
        for (const p of net.peers) if ((await metric(p.httpAddress!, 'p2p_disk_used_bytes{kind="chunks"}')) !== 0) return false;
        return true;
      },
      { timeoutMs: 20_000, what: "every peer's chunk bytes to drop to 0 after the cut" },
    );
    const releasedMs = Date.now() - started;
    const up = await put(net.peers[2]!.httpAddress!, "next.bin", randomBytes(22 * MiB));
    assert.equal(up.status, 201, `22 MiB of a 24 MiB quota after the cut (${up.body})`);
    for (const p of net.peers) assert.equal(await metric(p.httpAddress!, 'p2p_disk_used_bytes{kind="chunks"}'), 22 * MiB);
    console.log(`# cut upload released on every peer within ${releasedMs} ms`);
  });

  test("a Store flood ends in the record quota's clear error; the peer still serves reads and deletes", async () => {
    const victim = net.peers[0]!;
    const client = nodeClient(victim.httpAddress!);
    await client.put({ key: "kept", value: "written before the flood" });
    // A member flooding under its own name: TLS proves it, and it signs what it writes.
    const identity = PeerIdentity.generate();
    const proofs = ed25519WriterProofs(identity);
    const { transport, self } = testTransport({ identity, secure: true });
    const to = { id: victim.id!, address: victim.grpcAddress!, httpAddress: "" };
    const value = randomBytes(4096);
    let refusal: DhtError | undefined;
    let stored = 0;
    const started = Date.now();
    try {
      for (let i = 0; !refusal && i < 1000; i += 16) {
        const batch = Array.from({ length: 16 }, (_, j): DhtRecord =>
          proofs.sign({ key: `flood/${i + j}`, value, version: { wallMs: Date.now(), logical: 0, writer: self.id }, tombstone: false }),
        );
        const results = await Promise.allSettled(batch.map((r) => transport.store(to, r, { timeoutMs: 5000 })));
        for (const r of results) {
          if (r.status === "fulfilled") stored++;
          else if (r.reason instanceof DhtError && r.reason.code === "resource_exhausted") refusal ??= r.reason;
          else throw r.reason;
        }
      }
    } finally {
      transport.close();
    }
    assert.ok(refusal, "the flood was refused");
    assert.match(refusal.message, /disk quota: [\d.]+ KiB of 256 KiB used; record of 4\.\d KiB refused/);
    assert.ok(stored > 40 && stored < 64, `≈ 256 KiB / 4.6 KiB records stored before the refusal, got ${stored}`);
    assert.ok((await metric(victim.httpAddress!, 'p2p_disk_quota_refused_total{kind="records"}')) >= 1);
    const used = await metric(victim.httpAddress!, 'p2p_disk_used_bytes{kind="records"}');
    assert.ok(used <= RECORD_QUOTA, `records use ${used} bytes of a ${RECORD_QUOTA}-byte quota (stored ${stored} in ${Date.now() - started} ms)`);
    console.log(`# ${stored} Stores accepted, then refused, in ${Date.now() - started} ms: ${refusal.message}`);

    // Reads still work; deletes are never refused for the quota; the space they free is usable.
    assert.equal((await client.get({ key: "kept" })).value, "written before the flood");
    const res = await fetch(`http://${victim.httpAddress}/get_data/flood%2F0`);
    assert.equal(res.status, 200);
    await client.delete({ key: "kept" });
    for (let i = 0; i < 4; i++) await client.delete({ key: `flood/${i}` });
    await client.put({ key: "after", value: "x".repeat(2048) });
    assert.equal((await client.get({ key: "after" })).value.length, 2048);
    // A client put that no longer fits is HTTP 507 naming the quota, not 413. It must fit on
    // none of the R = 3 peers: the others hold the flood once the victim's anti-entropy has
    // pushed it to them (a prompt round after the flooder appeared, or the next one). Without
    // this wait the put raced that push, and on a slow CI machine two peers still had room.
    await waitFor(
      async () => {
        for (const p of net.peers) if ((await metric(p.httpAddress!, 'p2p_disk_used_bytes{kind="records"}')) + 200_000 <= RECORD_QUOTA) return false;
        return true;
      },
      { timeoutMs: 45_000, what: "every peer's records to leave less than 200 kB of the quota free" },
    );
    const big = await fetch(`http://${victim.httpAddress}/store_data`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: "too-much", value: "y".repeat(200_000) }),
    });
    assert.equal(big.status, 507, await big.clone().text());
    assert.match(((await big.json()) as { error: string }).error, /disk quota/);
  });
});
