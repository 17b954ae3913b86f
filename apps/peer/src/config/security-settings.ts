/** How this peer secures its links to other peers, merged into the peer's schema (peer-config.ts; see tls/). */
import { z } from "zod";
import type { SettingSource } from "./peer-config.js";

export const securitySettingsShape = {
  /** File holding the admin token (one line, at least 32 characters). AdminService (Leave, Repair, faults) then also serves callers off this machine that send it as "authorization: Bearer"; unset (default): loopback only. Read only at start. */
  adminTokenFile: z.string().min(1).optional(),
  /** Plaintext gRPC between peers: no peer authentication, no privacy, signed contacts replayable. Debugging only; Info, the dashboard and the log say so. Every peer of a network must agree. Read only at start. */
  insecure: z.boolean().default(false),
  /** A private network's key file (64 hex characters): only peers holding the same key connect (TLS membership proof). Unset (default): an open network. Read only at start. */
  networkKeyFile: z.string().min(1).optional(),
};

export type SecuritySettingKey = keyof typeof securitySettingsShape;

export const SECURITY_SOURCES: Record<SecuritySettingKey, SettingSource> = {
  adminTokenFile: { flag: "admin-token-file", env: "P2P_ADMIN_TOKEN_FILE", kind: "string", help: "file with a token that lets callers off this machine use AdminService (default: loopback only)" },
  insecure: { flag: "insecure", env: "P2P_INSECURE", kind: "boolean", help: "plaintext gRPC between peers, no peer authentication (debugging only)" },
  networkKeyFile: { flag: "network-key", env: "P2P_NETWORK_KEY", kind: "string", help: "private network key file (64 hex characters, e.g. openssl rand -hex 32): only holders join" },
};
