/**
 * @p2p/launcher: starts, watches and stops real peer daemon processes. The fleet controller
 * runs on it, and so does every integration test (`startNetwork`).
 */
export { startPeer, PeerProcess, PeerStartError, describeExit, DEFAULT_PEER_NODE_ARGS, DEFAULT_PEER_ENV } from "./peer-process.js";
export type { StartPeerOptions, PeerExit, PeerProcessState } from "./peer-process.js";
export { startNetwork, pickBootstraps } from "./network.js";
export type { Network, StartNetworkOptions } from "./network.js";
export { parseReadyLine } from "./ready-line.js";
export type { PeerReady } from "./ready-line.js";
export { LineRing, LineSplitter } from "./log-lines.js";
export { isPortFree, isAddressInUse } from "./ports.js";
export { defaultPeerMain, assertPeerMainExists } from "./peer-binary.js";
export { waitFor } from "./wait-for.js";
export type { WaitForOptions } from "./wait-for.js";
export { adminClient, nodeClient } from "./node-client.js";
export { waitForFullTables } from "./full-tables.js";
export { isAlive, commandLine, isPeerOf, type KnownPeer } from "./process-probe.js";
export type { AdminClient, NodeClient } from "./node-client.js";
