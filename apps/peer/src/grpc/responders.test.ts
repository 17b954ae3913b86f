import assert from "node:assert/strict";
import { test } from "node:test";
import { RecordingHandler, startTestPeer, testTransport } from "./test-peers.js";

test("the transport remembers the contact a peer signed, not the one it was dialled with", async () => {
  const peer = await startTestPeer(new RecordingHandler());
  const { transport } = testTransport();
  try {
    // Dialled by another name for the same socket, with an HTTP address a third party made up.
    const port = peer.contact.address.split(":")[1];
    const dialled = { id: peer.contact.id, address: `localhost:${port}`, httpAddress: "198.51.100.7:80" };
    assert.equal(transport.provenContact(dialled), undefined, "nothing proven before it answered");
    await transport.ping(dialled, { timeoutMs: 5000 });
    assert.deepEqual(transport.provenContact(dialled), peer.contact);
  } finally {
    transport.close();
    await peer.server.close(0);
  }
});
