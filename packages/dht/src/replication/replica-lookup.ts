/**
 * The lookup a client operation runs to find a key's replicas: FindValue for reads, FindNode
 * for writes, falling back to the routing table when it fails, and recorded as a span (each
 * request a child span: peer, outcome, latency) when the operation is traced.
 */
import type { Logger, LookupResult, NodeId, Router } from "../types.js";
import type { OperationScope } from "../rpc/deadline.js";
import { startSpan, type Tracer } from "../tracing/tracer.js";

export async function replicaLookup(
  c: { router: Router; log: Logger; tracer: Tracer | undefined },
  position: NodeId,
  wanted: number,
  scope: OperationScope,
  key?: string,
): Promise<LookupResult> {
  const span = startSpan(c.tracer, scope.trace, key === undefined ? "lookup FindNode" : "lookup FindValue", "internal", { target: position, wanted });
  try {
    // countSelf: when we are one of the R closest, R-1 others suffice (we read and write
    // ourselves through the store); saves a request on R/n of operations.
    const result = await c.router.lookup(position, {
      wanted,
      countSelf: true,
      signal: scope.signal,
      ...(key === undefined ? {} : { key }),
      ...(span ? { trace: { parent: span.context, name: key === undefined ? "FindNode" : "FindValue", attributes: { lookup: true } } } : {}),
    });
    span?.set("hops", result.hops).set("queried", result.steps.length).set("responded", result.steps.filter((s) => s.ok).length).set("closest", result.closest.length);
    span?.end();
    return result;
  } catch (error) {
    span?.end(error);
    scope.throwIfAborted();
    // Fall back to what the routing table knows rather than failing the call outright.
    c.log.warn({ position, err: String(error) }, "lookup failed; using the routing table");
    return { target: position, closest: c.router.closestKnown(position, wanted), unanswered: [], records: new Map(), steps: [], totalMs: 0, hops: 0 };
  }
}
