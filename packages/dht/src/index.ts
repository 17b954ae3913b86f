export * from "./types.js";
export { compareVersions, isNewer } from "./replication/version.js";
