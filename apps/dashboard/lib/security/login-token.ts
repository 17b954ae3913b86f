/**
 * The login token, needed only when the dashboard listens beyond loopback: anyone who can
 * reach the port could otherwise stop peers and delete data. On loopback (`npm start`) the
 * operator's own machine is the boundary, and no token is asked for.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";

export const COOKIE = "p2p_dashboard_token";

/** The address `next start` was told to bind: -H/--hostname, else HOSTNAME (Next's standalone server); undefined = all interfaces. */
export function boundHost(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-H" || a === "--hostname") return argv[i + 1];
    if (a.startsWith("--hostname=")) return a.slice("--hostname=".length);
  }
  return env.HOSTNAME || undefined;
}

export function isLoopbackBind(host: string | undefined): boolean {
  if (!host) return false; // unset: Next listens on every interface
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || (isIP(h) === 4 && h.startsWith("127.")) || h === "::1";
}

/**
 * Whether requests need the token: bound off loopback, or DASHBOARD_TOKEN given (the operator
 * asked for one), or DASHBOARD_REQUIRE_TOKEN=1 (forces it, e.g. behind a port forward, and in tests).
 */
export function tokenRequired(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env.DASHBOARD_TOKEN) || env.DASHBOARD_REQUIRE_TOKEN === "1" || !isLoopbackBind(boundHost(argv, env));
}

/** Constant-time comparison; hashing first makes lengths equal, so the length does not leak either. */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given || !expected) return false;
  const h = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(h(given), h(expected));
}

/** The token a request carries: "Authorization: Bearer <t>" or the login cookie. */
export function presentedToken(get: (name: string) => string | null): string | undefined {
  const auth = /^Bearer\s+(\S+)$/i.exec(get("authorization") ?? "");
  if (auth) return auth[1];
  for (const part of (get("cookie") ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === COOKIE) return decodeURIComponent(v.join("="));
  }
  return undefined;
}

/** The Set-Cookie value after a good login: unreadable by scripts, never sent cross-site. */
export function loginCookie(token: string): string {
  return `${COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000`;
}

/**
 * The server's command line. `next dev` forks its server without the flags (they go over IPC),
 * so there the parent's is read (Linux /proc); unreadable means "unknown", i.e. a token.
 */
function serverArgv(): string[] {
  if (process.env.__NEXT_DEV_SERVER !== "1") return process.argv;
  try {
    return readFileSync(`/proc/${process.ppid}/cmdline`, "utf8").split("\0");
  } catch {
    return process.argv;
  }
}

interface TokenState { required: boolean; token: string }
const g = globalThis as typeof globalThis & { __p2pDashboardToken?: TokenState };

/**
 * This process's token settings, decided once. A token generated here (none given) is printed
 * once, to the server log only: it is never sent to a browser that did not present it.
 */
export function tokenState(argv: readonly string[] = serverArgv(), env: Readonly<Record<string, string | undefined>> = process.env): TokenState {
  if (!g.__p2pDashboardToken) {
    const required = tokenRequired(argv, env);
    const token = env.DASHBOARD_TOKEN || (required ? randomBytes(24).toString("base64url") : "");
    if (required && !env.DASHBOARD_TOKEN) console.log(`dashboard: login required (not on loopback); open /login?token=${token} or send "Authorization: Bearer ${token}"`);
    g.__p2pDashboardToken = { required, token };
  }
  return g.__p2pDashboardToken;
}
