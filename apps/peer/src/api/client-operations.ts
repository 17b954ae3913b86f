/**
 * The client operations behind both public surfaces (Connect NodeService and the REST routes):
 * input validation, the per-operation deadline, and metrics, in one place so the two surfaces
 * cannot drift apart.
 */
import { performance } from "node:perf_hooks";
import { Code } from "@connectrpc/connect";
import { validateKey, validateValueSize, type ReadResult, type WriteResult } from "@p2p/dht";
import type { ApiContext } from "./api-context.js";
import type { ClientOperation } from "../observability/metrics.js";
import { withDeadline } from "./deadline.js";
import { toConnectError } from "../edge-errors.js";

const utf8 = new TextEncoder();

async function measured<T>(ctx: ApiContext, op: ClientOperation, run: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    const r = await run();
    ctx.metrics.observeClientOperation(op, 0, (performance.now() - start) / 1000);
    return r;
  } catch (err) {
    const e = toConnectError(err);
    // A get of a missing key is an answer, not a failure of the service.
    ctx.metrics.observeClientOperation(op, e.code === Code.NotFound ? 0 : e.code, (performance.now() - start) / 1000);
    throw e;
  }
}

/** Stores a UTF-8 string value; throws ConnectError naming the bad field. */
export function putValue(ctx: ApiContext, key: string, value: string, signal?: AbortSignal): Promise<WriteResult> {
  return measured(ctx, "put", () => {
    validateKey(key);
    const bytes = utf8.encode(value);
    const s = ctx.settings();
    validateValueSize(bytes.length, s.maxValueBytes);
    return withDeadline("put", s.requestTimeoutMs, signal, ctx.node.put(key, bytes));
  });
}

/** Reads a key; a missing or deleted key throws ConnectError NotFound. */
export function getValue(ctx: ApiContext, key: string, opts: { trace?: boolean; signal?: AbortSignal } = {}): Promise<ReadResult> {
  return measured(ctx, "get", () => {
    validateKey(key);
    return withDeadline("get", ctx.settings().requestTimeoutMs, opts.signal, ctx.node.get(key, { trace: opts.trace, allReplicas: opts.trace }));
  });
}

export function deleteValue(ctx: ApiContext, key: string, signal?: AbortSignal): Promise<WriteResult> {
  return measured(ctx, "delete", () => {
    validateKey(key);
    return withDeadline("delete", ctx.settings().requestTimeoutMs, signal, ctx.node.delete(key));
  });
}
