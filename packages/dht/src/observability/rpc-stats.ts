/**
 * Counts and latency percentiles of every PeerService method on both sides, fed by one timing
 * interceptor per side, for the Stats API; the same measurements go to the metrics hooks.
 */
import { performance } from "node:perf_hooks";
import { errorCode } from "../errors.js";
import type { ClientInterceptor, ServerInterceptor } from "../rpc/interceptor.js";
import { PEER_METHOD_NAME_LIST, PEER_METHOD_NAMES, type PeerMethodName } from "../rpc/peer-rpc.js";
import { observe, type NodeMetricsHooks, type Outcome, type RpcSide } from "./metrics-hooks.js";
import { OperationStats, type OperationStatsSnapshot } from "./op-stats.js";

export class RpcStats {
  readonly client: OperationStats<PeerMethodName>;
  readonly server: OperationStats<PeerMethodName>;

  /** @param window recent latencies kept per method and side (0: counts only). */
  constructor(window = 1024) {
    this.client = new OperationStats(window, PEER_METHOD_NAME_LIST);
    this.server = new OperationStats(window, PEER_METHOD_NAME_LIST);
  }

  snapshot(): { client: OperationStatsSnapshot<PeerMethodName>; server: OperationStatsSnapshot<PeerMethodName> } {
    return { client: this.client.snapshot(), server: this.server.snapshot() };
  }
}

/** One timing interceptor: `next` runs the call; its duration and outcome go to `stats` and the hooks. */
function timing(stats: OperationStats<PeerMethodName>, side: RpcSide, hooks: NodeMetricsHooks | undefined) {
  return <C extends { method: keyof typeof PEER_METHOD_NAMES }>(next: (call: C) => Promise<unknown>) =>
    async (call: C): Promise<unknown> => {
      const name = PEER_METHOD_NAMES[call.method];
      const started = performance.now();
      let outcome: Outcome = "ok";
      try {
        return await next(call);
      } catch (err) {
        outcome = errorCode(err);
        throw err;
      } finally {
        const ms = performance.now() - started;
        stats.record(name, ms, outcome === "ok");
        observe(hooks?.peerRpc, name, side, outcome, ms / 1000);
      }
    };
}

/** Times every outgoing call into `stats.client` and the hooks. */
export function clientTimingInterceptor(stats: RpcStats, hooks?: NodeMetricsHooks): ClientInterceptor {
  return timing(stats.client, "client", hooks);
}

/** Times every incoming call (time spent answering it) into `stats.server` and the hooks. */
export function serverTimingInterceptor(stats: RpcStats, hooks?: NodeMetricsHooks): ServerInterceptor {
  return timing(stats.server, "server", hooks);
}
