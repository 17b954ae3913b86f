import { test } from "node:test";
import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { codeLabel, createPeerMetrics } from "./metrics.js";

test("code labels are gRPC names in snake case", () => {
  assert.equal(codeLabel(0), "ok");
  assert.equal(codeLabel(Code.DeadlineExceeded), "deadline_exceeded");
  assert.equal(codeLabel(Code.Unavailable), "unavailable");
  assert.equal(codeLabel(99), "unknown");
});

test("renders every instrument with what was observed", async () => {
  let records = 7;
  const m = createPeerMetrics({ sources: { recordsHeld: () => records } });
  m.setSources({ recordsHeld: () => records, routingTableContacts: () => 12 });
  m.observePeerRpc("FindNode", "client", 0, 0.0003);
  m.observePeerRpc("FindNode", "client", Code.DeadlineExceeded, 2);
  m.observePeerRpc("Store", "server", 0, 0.001);
  m.observeClientOperation("put", 0, 0.004);
  m.observeLookup(3);
  records = 9;
  const { contentType, body } = await m.render();
  assert.match(contentType, /^text\/plain/);
  assert.match(body, /^p2p_records_held 9$/m);
  assert.match(body, /^p2p_routing_table_contacts 12$/m);
  assert.match(body, /^p2p_peer_rpc_total\{method="FindNode",side="client",code="ok"\} 1$/m);
  assert.match(body, /^p2p_peer_rpc_total\{method="FindNode",side="client",code="deadline_exceeded"\} 1$/m);
  assert.match(body, /^p2p_peer_rpc_duration_seconds_count\{method="FindNode",side="client"\} 2$/m);
  assert.match(body, /^p2p_peer_rpc_duration_seconds_bucket\{le="0.0005",method="FindNode",side="client"\} 1$/m);
  assert.match(body, /^p2p_client_operations_total\{op="put",code="ok"\} 1$/m);
  assert.match(body, /^p2p_client_operation_duration_seconds_count\{op="put"\} 1$/m);
  assert.match(body, /^p2p_lookup_hops_sum 3$/m);
  assert.match(body, /^process_cpu_user_seconds_total /m);
  assert.match(body, /^nodejs_eventloop_lag_seconds /m);
});

test("two peers in one process keep separate registries", async () => {
  const a = createPeerMetrics({ defaultMetrics: false });
  const b = createPeerMetrics({ defaultMetrics: false });
  a.observeLookup(1);
  assert.match((await a.render()).body, /^p2p_lookup_hops_count 1$/m);
  assert.match((await b.render()).body, /^p2p_lookup_hops_count 0$/m);
  assert.doesNotMatch((await b.render()).body, /process_cpu/);
});

test("quarantined records are counted from 0", async () => {
  const m = createPeerMetrics({ defaultMetrics: false });
  assert.match((await m.render()).body, /^p2p_records_quarantined_total 0$/m);
  m.countQuarantined();
  m.countQuarantined();
  assert.match((await m.render()).body, /^p2p_records_quarantined_total 2$/m);
});

test("rate-limit refusals and overflow are counted per surface from 0", async () => {
  const m = createPeerMetrics({ defaultMetrics: false });
  assert.match((await m.render()).body, /^p2p_rate_limited_total\{surface="peer",bucket="overflow"\} 0$/m);
  m.countRateLimited("http", "client");
  m.countRateLimited("http", "client");
  m.countRateLimited("peer", "overflow");
  m.countRateLimitOverflow("peer");
  const { body } = await m.render();
  assert.match(body, /^p2p_rate_limited_total\{surface="http",bucket="client"\} 2$/m);
  assert.match(body, /^p2p_rate_limited_total\{surface="peer",bucket="overflow"\} 1$/m);
  assert.match(body, /^p2p_rate_limit_overflow_total\{surface="peer"\} 1$/m);
  assert.match(body, /^p2p_rate_limit_overflow_total\{surface="http"\} 0$/m);
});
