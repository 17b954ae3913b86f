import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DhtError, type DhtErrorCode } from "../errors.js";
import type { Contact, DhtRecord } from "../types.js";
import { unimplementedHandler, type PeerRpcHandler } from "../rpc/peer-rpc.js";
import { sha256Hex } from "../kademlia/node-id.js";
import { MemoryNetwork } from "./memory.js";

const contact = (i: number): Contact => ({ id: sha256Hex(`m${i}`), address: `mem:${i}`, httpAddress: "" });

function recordingHandler(log: string[], stored: DhtRecord[] = []): PeerRpcHandler {
  return {
    ...unimplementedHandler(),
    onPing: async (from) => void log.push(`ping from ${from.address}`),
    onFindNode: async (from, target) => (log.push(`findNode ${target.slice(0, 4)}`), [contact(7)]),
    onFindValue: async () => ({ contacts: [], record: stored[0]! }),
    onStore: async (_from, record) => {
      stored.push(record);
      return { applied: true, current: record.version };
    },
  };
}

async function rejectsWith(p: Promise<unknown>, code: DhtErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof DhtError && err.code === code);
}

describe("MemoryNetwork", () => {
  test("delivers asynchronously, tells the receiver who called, counts messages", async () => {
    const net = new MemoryNetwork();
    const log: string[] = [];
    const a = net.attach(contact(1), recordingHandler([]));
    net.attach(contact(2), recordingHandler(log));
    const p = a.ping(contact(2), { timeoutMs: 1000 });
    assert.deepEqual(log, [], "not delivered synchronously");
    await p;
    assert.deepEqual(log, ["ping from mem:1"]);
    const found = await a.findNode(contact(2), contact(3).id, { timeoutMs: 1000 });
    assert.deepEqual(found, [contact(7)]);
    assert.deepEqual(net.sent, { ping: 1, findNode: 1, findValue: 0, store: 0, syncDigest: 0, syncKeys: 0, fetchRecords: 0, goodbye: 0, fetchChunk: 0, storeChunk: 0, commitChunks: 0, releaseChunks: 0, storeMany: 0, findValueMany: 0 });
    assert.equal(net.sentTotal, 2);
  });

  test("records are copied across the wire in both directions", async () => {
    const net = new MemoryNetwork();
    const stored: DhtRecord[] = [];
    const a = net.attach(contact(1), recordingHandler([]));
    net.attach(contact(2), recordingHandler([], stored));
    const rec: DhtRecord = { key: "k", value: new Uint8Array([1, 2, 3]), version: { wallMs: 1, logical: 0, writer: contact(1).id }, tombstone: false };
    await a.store(contact(2), rec, { timeoutMs: 1000 });
    rec.value[0] = 99;
    assert.equal(stored[0]!.value[0], 1, "sender's later mutation does not reach the receiver");
    const got = await a.findValue(contact(2), "k", { timeoutMs: 1000 });
    got.record!.value[1] = 42;
    assert.equal(stored[0]!.value[1], 2, "receiver's copy is not shared with the caller");
  });

  test("fail, hang, recover, detach", async () => {
    const net = new MemoryNetwork();
    const a = net.attach(contact(1), recordingHandler([]));
    net.attach(contact(2), recordingHandler([]));
    net.fail(contact(2).id);
    await rejectsWith(a.ping(contact(2), { timeoutMs: 1000 }), "unavailable");
    net.hang(contact(2).id);
    await rejectsWith(a.ping(contact(2), { timeoutMs: 30 }), "deadline_exceeded");
    net.recover(contact(2).id);
    await a.ping(contact(2), { timeoutMs: 1000 });
    net.detach(contact(2).id);
    await rejectsWith(a.ping(contact(2), { timeoutMs: 1000 }), "unavailable");
    await rejectsWith(a.ping(contact(9), { timeoutMs: 1000 }), "unavailable");
  });

  test("a responder whose ID does not match the contact is rejected", async () => {
    const net = new MemoryNetwork();
    const log: string[] = [];
    const a = net.attach(contact(1), recordingHandler([]));
    net.attach(contact(2), recordingHandler(log));
    const impostor = { ...contact(3), address: contact(2).address };
    await rejectsWith(a.ping(impostor, { timeoutMs: 1000 }), "unauthenticated");
    assert.deepEqual(log, [], "the wrong node's handler is not invoked");
  });

  test("abort signal cancels; handler errors become DhtErrors; latency applies", async () => {
    const net = new MemoryNetwork({ latencyMs: 20 });
    const a = net.attach(contact(1), recordingHandler([]));
    net.attach(contact(2), {
      ...recordingHandler([]),
      onFindNode: () => {
        throw new Error("boom");
      },
    });
    const ac = new AbortController();
    const p = a.ping(contact(2), { timeoutMs: 1000, signal: ac.signal });
    ac.abort();
    await rejectsWith(p, "canceled");
    await rejectsWith(a.ping(contact(2), { timeoutMs: 1000, signal: AbortSignal.abort() }), "canceled");
    await rejectsWith(a.findNode(contact(2), contact(1).id, { timeoutMs: 1000 }), "unknown");
    await rejectsWith(a.ping(contact(2), { timeoutMs: 10 }), "deadline_exceeded");
  });
});
