// Spans the core records for a traced get and put on the in-memory testnet: the operation,
// its lookup, each replica call with its outcome, the quorum, read repair, and the replicas'
// own server spans linked to the coordinator's calls.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createTestnet, type Testnet } from "../testing/testnet.js";
import type { FinishedSpan } from "./tracer.js";
import { newTraceId, type SpanContext } from "./trace-context.js";

let net: Testnet;
const spans: FinishedSpan[] = [];

before(async () => {
  net = await createTestnet(12, { spansFor: () => (span) => spans.push(span) });
});
after(async () => {
  await Promise.all(net.nodes.map((n) => n.coordinator.idle()));
  await net.stop();
});

const sampled = (): SpanContext => ({ traceId: newTraceId(), spanId: "", sampled: true });
const ofTrace = (id: string) => spans.filter((s) => s.traceId === id);

test("an unsampled operation records nothing", async () => {
  const before = spans.length;
  await net.nodes[3]!.put("trace/quiet", new TextEncoder().encode("v"), { traceParent: { traceId: newTraceId(), spanId: "", sampled: false } });
  await net.nodes[4]!.get("trace/quiet");
  await net.nodes[3]!.coordinator.idle();
  assert.equal(spans.length, before);
});

test("a traced put records the operation, its replica stores and the write quorum", async () => {
  const ctx = sampled();
  await net.nodes[2]!.put("trace/put", new TextEncoder().encode("v1"), { traceParent: ctx });
  await net.nodes[2]!.coordinator.idle();
  const trace = ofTrace(ctx.traceId);
  const root = trace.find((s) => s.name === "put");
  assert.ok(root, "put span");
  assert.equal(root.parentId, undefined);
  assert.equal(root.peerId, net.nodes[2]!.self.id);
  const stores = trace.filter((s) => s.name.startsWith("replica store") && s.parentId === root.spanId);
  assert.ok(stores.length >= 2, `replica stores: ${stores.length}`);
  for (const s of stores) assert.equal(s.status, "ok");
  assert.ok(stores.filter((s) => s.kind === "client").every((s) => s.attributes["applied"] === true && typeof s.attributes["peer.id"] === "string"));
  assert.ok(trace.some((s) => s.name === "write quorum" && s.parentId === root.spanId));
  // Each remote store was served under the coordinator's client span, on the replica.
  for (const client of stores.filter((s) => s.kind === "client")) {
    const served = trace.find((s) => s.kind === "server" && s.parentId === client.spanId);
    assert.ok(served, "server span of the store");
    assert.equal(served.peerId, client.attributes["peer.id"]);
    assert.equal(served.name, "serve Store");
  }
});

test("a traced get records the lookup, replica reads with outcome, and a read repair as its own span", async () => {
  const key = "trace/get";
  const writer = net.nodes[5]!;
  await writer.put(key, new TextEncoder().encode("old"));
  await writer.coordinator.idle();
  await writer.put(key, new TextEncoder().encode("new"));
  await writer.coordinator.idle();
  // Make one replica stale, so the get repairs it.
  const stale = [];
  for (const n of net.nodes) {
    const r = await n.store.get(key);
    if (r && n !== writer) stale.push(n);
  }
  const victim = stale[0]!;
  await victim.store.remove(key);

  const ctx = sampled();
  const reader = net.nodes.find((n) => n !== victim && n !== writer)!;
  const got = await reader.get(key, { trace: true, allReplicas: true, traceParent: ctx });
  assert.equal(new TextDecoder().decode(got.record.value), "new");
  await reader.coordinator.idle();
  const trace = ofTrace(ctx.traceId);
  const root = trace.find((s) => s.name === "get")!;
  assert.ok(root);
  const lookup = trace.find((s) => s.name === "lookup FindValue" && s.parentId === root.spanId);
  assert.ok(lookup, "lookup span");
  assert.ok(trace.some((s) => s.parentId === lookup.spanId && s.kind === "client" && s.attributes["rpc.method"] === "FindValue"), "lookup requests as child spans");
  assert.ok(trace.some((s) => s.name === "read quorum" && s.parentId === root.spanId));
  const repairs = trace.filter((s) => s.name === "read repair");
  assert.ok(repairs.length >= 1, "read repair span");
  assert.ok(repairs.some((s) => s.attributes["peer.id"] === victim.self.id && s.status === "ok" && s.parentId === root.spanId));
  assert.ok(await victim.store.get(key), "repaired");
});

test("a replica call that fails is recorded with its error", async () => {
  const ctx = sampled();
  const key = "trace/down";
  const coordinator = net.nodes[1]!;
  await coordinator.put(key, new TextEncoder().encode("v"));
  await coordinator.coordinator.idle();
  const holders = [];
  for (const n of net.nodes) if (n !== coordinator && (await n.store.get(key))) holders.push(n);
  const down = holders[0]!;
  net.fail(down.self.id);
  try {
    await coordinator.put(key, new TextEncoder().encode("v2"), { traceParent: ctx }).catch(() => undefined);
    await coordinator.coordinator.idle();
  } finally {
    net.recover(down.self.id);
  }
  const failed = ofTrace(ctx.traceId).filter((s) => s.status === "error" && s.attributes["peer.id"] === down.self.id);
  assert.ok(failed.length >= 1, "failed call span");
  assert.ok(failed.every((s) => typeof s.error === "string" && s.error.length > 0));
});
