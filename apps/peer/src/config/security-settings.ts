/** Who may do what to this peer: admin token, links to other peers (see tls/), unsigned writes. Merged into the peer's schema (peer-config.ts). */
import { z } from "zod";
import type { SettingSource } from "./peer-config.js";

export const securitySettingsShape = {
  /**
   * Which client writes this peer coordinates. "open" (default): unsigned Put/Delete and the
   * original REST routes work as before. "signed-only": only owned records (signed by their
   * owner: PutOwned, POST /owned) and content-addressed files; an unsigned put or delete is
   * refused PERMISSION_DENIED (REST 403). Changeable live.
   */
  writePolicy: z.enum(["open", "signed-only"]).default("open"),
  /** File holding the admin token (one line, at least 32 characters). AdminService (Leave, Repair, faults) then also serves callers off this machine that send it as "authorization: Bearer"; unset (default): loopback only. Read only at start. */
  adminTokenFile: z.string().min(1).optional(),
  /** Plaintext gRPC between peers: no peer authentication, no privacy, signed contacts replayable. Debugging only; Info, the dashboard and the log say so. Every peer of a network must agree. Read only at start. */
  insecure: z.boolean().default(false),
  /** A private network's key file (64 hex characters): only peers holding the same key connect (TLS membership proof). Unset (default): an open network. Read only at start. */
  networkKeyFile: z.string().min(1).optional(),
};

export type SecuritySettingKey = keyof typeof securitySettingsShape;

export const SECURITY_SOURCES: Record<SecuritySettingKey, SettingSource> = {
  writePolicy: { flag: "write-policy", env: "P2P_WRITE_POLICY", kind: "string", help: "open (unsigned puts allowed) | signed-only (only owned records and files)" },
  adminTokenFile: { flag: "admin-token-file", env: "P2P_ADMIN_TOKEN_FILE", kind: "string", help: "file with a token that lets callers off this machine use AdminService (default: loopback only)" },
  insecure: { flag: "insecure", env: "P2P_INSECURE", kind: "boolean", help: "plaintext gRPC between peers, no peer authentication (debugging only)" },
  networkKeyFile: { flag: "network-key", env: "P2P_NETWORK_KEY", kind: "string", help: "private network key file (64 hex characters, e.g. openssl rand -hex 32): only holders join" },
};
