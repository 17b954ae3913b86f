/**
 * Joining through --bootstrap when the network is not there yet: a peer keeps trying, with the
 * address resolved again each time, until its bootstrap peer answers.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startPeer, waitForFullTables, type PeerProcess } from "@p2p/launcher";

/** A port nothing listens on right now (the OS's pick, released at once). */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("joining", () => {
  const peers: PeerProcess[] = [];
  let dir = "";
  after(async () => {
    await Promise.all(peers.map((p) => p.stop(5000)));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("a peer whose bootstrap peer is not up yet joins it once it is, by address and by name", async () => {
    dir = await mkdtemp(join(tmpdir(), "p2p-join-"));
    const port = await unusedPort();
    const byAddress = startPeer({ dataDir: join(dir, "b"), bootstrap: [`127.0.0.1:${port}`] });
    const byName = startPeer({ dataDir: join(dir, "c"), bootstrap: [`localhost:${port}`] });
    peers.push(byAddress, byName);
    await Promise.all([byAddress.ready, byName.ready]);
    await new Promise((r) => setTimeout(r, 1500));
    const first = startPeer({ dataDir: join(dir, "a"), grpcPort: port });
    peers.push(first);
    await first.ready;
    await waitForFullTables(peers.map((p) => p.httpAddress!), { timeoutMs: 20_000 });
    assert.equal(first.grpcAddress, `127.0.0.1:${port}`);
  });
});
