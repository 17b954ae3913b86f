// An attacker on one address opens 10,000 idle connections to each port of a real peer:
// beyond its share they are refused at once, the rest are closed by the header timeout, and
// the peer keeps serving everyone else all along. 127.0.0.2 is loopback too (127/8), so the
// attacker and the honest client are two addresses on one machine.
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import { nodeClient, startNetwork, type Network } from "@p2p/launcher";

let net2: Network;
before(async () => {
  net2 = await startNetwork(2, { peer: { args: ["--log-level", "warn"] } });
});
after(() => net2?.stop());

/** Opens `n` connections from `localAddress` that send nothing; resolves once each has connected or failed. */
async function flood(address: string, n: number, localAddress: string): Promise<net.Socket[]> {
  const [host, port] = [address.slice(0, address.lastIndexOf(":")), Number(address.slice(address.lastIndexOf(":") + 1))];
  const sockets: net.Socket[] = [];
  for (let start = 0; start < n; start += 500) {
    const batch = Array.from({ length: Math.min(500, n - start) }, () => {
      const s = net.connect({ host, port, localAddress });
      s.on("error", () => {});
      sockets.push(s);
      return new Promise<void>((resolve) => {
        s.once("connect", () => resolve());
        s.once("close", () => resolve());
      });
    });
    await Promise.all(batch);
  }
  return sockets;
}

const open = (sockets: net.Socket[]) => sockets.filter((s) => !s.destroyed && s.readyState === "open").length;

test("10,000 idle connections per port from one address: capped, then timed out, while the peer serves", { timeout: 120_000 }, async () => {
  const peer = net2.peers[0]!;
  const client = nodeClient(peer.httpAddress!, { timeoutMs: 10_000 });
  const attack = [...(await flood(peer.httpAddress!, 10_000, "127.0.0.2")), ...(await flood(peer.grpcAddress!, 10_000, "127.0.0.2"))];
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const held = open(attack);
    // 256 on the HTTP port and 1024 on the gRPC port are the per-client defaults.
    assert.ok(held <= 256 + 1024, `${held} attacker connections still open`);

    // Everyone else is served meanwhile, over both ports (a put reaches the other peer over gRPC).
    await client.put({ key: "flood", value: "still serving" });
    assert.equal((await client.get({ key: "flood" })).value, "still serving");
    const other = nodeClient(net2.peers[1]!.httpAddress!, { timeoutMs: 10_000 });
    assert.equal((await other.get({ key: "flood" })).value, "still serving");

    const metrics = await (await fetch(`http://${peer.httpAddress}/metrics`)).text();
    const refused = (port: string) => Number(new RegExp(`p2p_connection_limit_total\\{port="${port}",limit="per_client"\\} (\\d+)`).exec(metrics)?.[1]);
    assert.ok(refused("http") >= 9_000 && refused("grpc") >= 8_000, `refused: http ${refused("http")}, grpc ${refused("grpc")}`);

    // The header timeout (10 s) closes the rest.
    const deadline = Date.now() + 20_000;
    while (open(attack) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    assert.equal(open(attack), 0);
  } finally {
    for (const s of attack) s.destroy();
  }
});
