/** @p2p/fleet: the fleet controller as a library (the CLI is main.ts). */
export { Fleet, maxSpawnPerCall } from "./fleet.js";
export type { FleetOptions, FleetPeerState, FleetPeerView } from "./fleet.js";
export { startController } from "./controller.js";
export type { FleetController } from "./controller.js";
export { parseFleetArgs, isLoopbackHost, ConfigError, fleetUsage } from "./config.js";
export type { FleetConfig } from "./config.js";
export { startFleetServer } from "./server.js";
export type { FleetServer } from "./server.js";
export type { PeerSettings, PeerSettingsInput } from "./peer-settings.js";
export { fleetClient } from "./fleet-client.js";
export type { FleetClient } from "./fleet-client.js";
export { ChaosRun, SETTLE_MS, type ChaosRunView, type ChaosState } from "./chaos/chaos-run.js";
export { resolveChaosOptions, FAULT_KINDS, type ChaosOptions, type FaultKind } from "./chaos/chaos-options.js";
export { HostPeers, SEED_NAME, type HostPeersOptions } from "./hosts/host-peers.js";
export { runHostScenario, type HostScenarioOptions, type HostScenarioResult, type ScheduledFault } from "./hosts/host-scenario.js";
export { runFuzz, fuzzFindings, formatFuzzReport, type FuzzOptions, type FuzzReport } from "./fuzz/fuzz-run.js";
