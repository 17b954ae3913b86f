/**
 * Runs one client operation in its scope (deadline, the client's signal, its trace span),
 * timed into the Stats and the metrics hooks: every operation of the coordinator, single-key
 * or batch, goes through here once.
 */
import { performance } from "node:perf_hooks";
import { errorCode } from "../errors.js";
import { OperationScope } from "../rpc/deadline.js";
import type { Operation, OperationStats } from "../observability/op-stats.js";
import { observe, type NodeMetricsHooks } from "../observability/metrics-hooks.js";
import { startSpan, type Tracer } from "../tracing/tracer.js";
import type { OperationOptions } from "./operation-types.js";

export interface OperationTiming {
  stats: OperationStats;
  metrics: NodeMetricsHooks | undefined;
  tracer: Tracer | undefined;
  /** The deadline of an operation whose caller gives none, ms (it changes live). */
  requestTimeoutMs(): number;
}

export async function timedOperation<T>(t: OperationTiming, op: Operation, opts: OperationOptions, run: (scope: OperationScope) => Promise<T>): Promise<T> {
  const start = performance.now();
  const scope = new OperationScope(op, opts.timeoutMs ?? t.requestTimeoutMs(), opts.signal);
  const span = startSpan(t.tracer, opts.traceParent, op);
  scope.trace = span?.context;
  try {
    const result = await scope.run(run(scope));
    span?.end();
    const ms = performance.now() - start;
    t.stats.record(op, ms, true);
    observe(t.metrics?.operation, op, "ok", ms / 1000);
    return result;
  } catch (error) {
    span?.end(error);
    const ms = performance.now() - start;
    const code = errorCode(error);
    // A get of a missing key is an answer, not a failure of the service.
    t.stats.record(op, ms, code === "not_found");
    observe(t.metrics?.operation, op, code === "not_found" ? "ok" : code, ms / 1000);
    throw error;
  } finally {
    scope.close();
  }
}
