import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { GetTraceResponseSchema, TraceSpanSchema } from "@p2p/proto/node";
import { spanTree } from "./span-tree.js";
import { renderTraceTree } from "./trace-tree.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
const span = (spanId: string, parentId: string, name: string, peerId: string, start: number, ms: number, extra: Record<string, unknown> = {}) =>
  create(TraceSpanSchema, { spanId, parentId, name, peerId, startOffsetMs: start, durationMs: ms, status: "ok", ...extra });

test("spans nest under their parents across peers, in start order; a failed call shows its error", () => {
  const trace = create(GetTraceResponseSchema, {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spans: [
      span("0000000000000001", "", "get", A, 0, 10),
      span("0000000000000003", "0000000000000001", "FindValue", A, 2, 5, { attributes: { "peer.id": B, "peer.address": "x:1", found: "true" } }),
      span("0000000000000002", "0000000000000001", "FindValue", A, 1, 3, { status: "error", error: "unavailable" }),
      span("0000000000000004", "0000000000000003", "serve FindValue", B, 3, 1),
      span("0000000000000005", "00000000000000ff", "orphan", B, 4, 1),
    ],
    unreachablePeers: ["127.0.0.1:8009"],
  });
  assert.equal(
    renderTraceTree(spanTree(trace)),
    [
      "trace 4bf92f3577b34da6a3ce929d0e0e4736 (5 spans on 2 peers, no answer from 127.0.0.1:8009)",
      "├─ get — 10.0 ms (+0.0 ms, on aaaaaaaa…)",
      "│  ├─ FindValue — error: unavailable, 3.00 ms (+1.0 ms, on aaaaaaaa…)",
      "│  └─ FindValue — 5.00 ms (+2.0 ms, on aaaaaaaa…, found=true, peer.id=bbbbbbbb…)",
      "│     └─ serve FindValue — 1.00 ms (+3.0 ms, on bbbbbbbb…)",
      "└─ orphan — 1.00 ms (+4.0 ms, on bbbbbbbb…)",
    ].join("\n"),
  );
});
