/**
 * p2p.v1.AdminService: what changes a peer's state (Leave, Repair, SetFaults, GetFaults), apart
 * from the public NodeService. Served on the same HTTP port, behind one guard: a caller on this
 * machine (loopback) is let through; a caller elsewhere only with the admin token, when the peer
 * has one (--admin-token-file); anyone else gets PERMISSION_DENIED before any handler runs.
 * Before, Leave sat in the public API: one unauthenticated call made a peer hand everything off
 * and stop refresh and repair while it kept running.
 */
import { timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Code, ConnectError, type ConnectRouter, type Interceptor, type ServiceImpl } from "@connectrpc/connect";
import { AdminService } from "@p2p/proto/admin";
import { connectErrorInterceptor } from "../edge-errors.js";
import { rateLimitInterceptor } from "./http-rate-limit.js";
import { isLoopbackAddress, REMOTE_ADDRESS } from "./remote-address.js";

/** Handlers for a subset of AdminService's methods, contributed by a feature module. */
export type AdminServiceHandlers = Partial<ServiceImpl<typeof AdminService>>;

/** Shortest admin token accepted: 32 characters (e.g. `openssl rand -hex 16`). */
export const MIN_ADMIN_TOKEN_CHARS = 32;

/** Reads the admin token file; throws an Error naming the file and the problem. */
export async function readAdminToken(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new Error(`--admin-token-file: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const token = text.trim();
  if (token.length < MIN_ADMIN_TOKEN_CHARS || /\s/.test(token)) {
    throw new Error(`--admin-token-file: ${path} must hold one token of at least ${MIN_ADMIN_TOKEN_CHARS} characters without spaces`);
  }
  return token;
}

function bearerMatches(header: string | null, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!m) return false;
  const given = Buffer.from(m[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Lets loopback callers through, others only with the token (when there is one). */
export function adminGuard(token: string | undefined): Interceptor {
  return (next) => async (req) => {
    const from = req.contextValues.get(REMOTE_ADDRESS);
    if (isLoopbackAddress(from)) return next(req);
    if (token !== undefined && bearerMatches(req.header.get("authorization"), token)) return next(req);
    throw new ConnectError(
      `${req.method.name} is an admin call: accepted from this machine${token ? ' or with "authorization: Bearer <admin token>"' : " only (start the peer with --admin-token-file to allow it elsewhere)"}, not from ${from || "an unknown address"}`,
      Code.PermissionDenied,
    );
  };
}

/**
 * Registers AdminService with the handlers the feature modules contribute, behind the guard.
 * A service's own interceptors replace the router's, so the edge's error mapping and the public
 * port's rate limit are repeated here (admin calls draw from the caller's bucket like any other).
 */
export function adminServiceRoutes(handlers: AdminServiceHandlers[], token: string | undefined) {
  return (router: ConnectRouter) =>
    router.service(AdminService, Object.assign({}, ...handlers), { interceptors: [connectErrorInterceptor, rateLimitInterceptor, adminGuard(token)] });
}
