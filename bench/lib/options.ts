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
  /** File size for the files section, bytes. */
  fileBytes: number;
}

export function benchOptions(quick: boolean): BenchOptions {
  return quick
    ? {
        quick,
        reps: 3,
        latencyCalls: 100,
        throughputMs: 1500,
        concurrency: 64,
        networkSizes: [5, 20],
        simulationSizes: [1000],
        fleetSizes: [20],
        idleWatchMs: 10_000,
        fileBytes: 16 * 2 ** 20,
      }
    : {
        quick,
        reps: 5,
        latencyCalls: 200,
        throughputMs: 3000,
        concurrency: 64,
        networkSizes: [5, 20, 50],
        simulationSizes: [1000, 10_000, 100_000],
        fleetSizes: [20, 50, 100],
        idleWatchMs: 30_000,
        fileBytes: 100 * 2 ** 20,
      };
}
