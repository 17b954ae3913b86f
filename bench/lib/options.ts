/** How big a run is: `--quick` (under 3 minutes) or full (under 20). */
export interface BenchOptions {
  quick: boolean;
  /** Repetitions of every measurement; figures are the median with min and max. */
  reps: number;
  /** Sequential calls per repetition of a latency measurement. */
  latencyCalls: number;
  /** Duration of one throughput repetition, ms. */
  throughputMs: number;
  /** Requests in flight for throughput figures. */
  concurrency: number;
  /** Network sizes for the records section. */
  networkSizes: number[];
  /** Simulation sizes (nodes). */
  simulationSizes: number[];
  /** Fleet spawn sizes. */
  fleetSizes: number[];
  /** How long idle peers are watched, ms. */
  idleWatchMs: number;
  /**
   * Wait after the fleet is routable before watching: the joins' refresh lookups, the first
   * anti-entropy rounds (30 s interval) and V8's post-start GCs settle, and the connections
   * the joins opened reach the 60 s idle timeout. 100 peers on 2 cores, 30 s after routable:
   * 0.33% CPU, 86 MiB median.
   */
  idleSettleMs: number;
  /** File size for the files section, bytes. */
  fileBytes: number;
}

export function benchOptions(quick: boolean, sim100k = false): BenchOptions {
  const o: BenchOptions = quick
    ? {
        quick,
        reps: 3,
        latencyCalls: 50,
        throughputMs: 1000,
        concurrency: 64,
        networkSizes: [5, 20],
        simulationSizes: [1000],
        fleetSizes: [10],
        idleWatchMs: 10_000,
        idleSettleMs: 10_000,
        fileBytes: 16 * 2 ** 20,
      }
    : {
        quick,
        reps: 5,
        latencyCalls: 200,
        throughputMs: 3000,
        concurrency: 64,
        networkSizes: [5, 20, 50],
        // 100,000 nodes need ~6 GB of heap (57 KiB per node measured at 10,000) and ~15 min
        // on this machine: past the 20 minute budget, so it runs only with --sim-100k.
        simulationSizes: [1000, 10_000],
        fleetSizes: [20, 50, 100],
        idleWatchMs: 30_000,
        idleSettleMs: 60_000,
        fileBytes: 100 * 2 ** 20,
      };
  if (sim100k) o.simulationSizes = [...o.simulationSizes, 100_000];
  return o;
}
