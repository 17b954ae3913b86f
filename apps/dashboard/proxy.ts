/**
 * Every request to the dashboard passes here first (Next.js "proxy", formerly middleware), so
 * no route can forget a check: the Host name (DNS rebinding), the login token when the
 * dashboard listens beyond loopback, and same-origin JSON for every mutation (CSRF). The
 * checks themselves are in lib/security; /login is served here too.
 */
import { NextResponse, type NextRequest } from "next/server";
import { checkHost, checkMutation, parseAllowedHosts } from "./lib/security/request-guard";
import { loginCookie, presentedToken, tokenMatches, tokenState } from "./lib/security/login-token";
import { loginPage } from "./lib/security/login-page";

const allowedHosts = parseAllowedHosts(process.env.DASHBOARD_ALLOWED_HOSTS);

const refuse = (status: number, error: string) => NextResponse.json({ error }, { status, headers: { "cache-control": "no-store" } });

export function proxy(req: NextRequest): NextResponse {
  const get = (name: string) => req.headers.get(name);
  const host = checkHost(get("host"), allowedHosts);
  if (!host.ok) return refuse(host.status, host.error);

  const { required, token } = tokenState();
  const path = req.nextUrl.pathname;
  if (required && path === "/login") return login(req, token);
  if (required && !tokenMatches(presentedToken(get), token)) {
    if (path.startsWith("/api/") || req.method !== "GET") return refuse(401, "login required: open /login, or send Authorization: Bearer <DASHBOARD_TOKEN>");
    return NextResponse.redirect(new URL("/login", req.url), 303);
  }

  const mutation = checkMutation(req.method, path, get);
  if (!mutation.ok) return refuse(mutation.status, mutation.error);
  return NextResponse.next();
}

/** GET /login[?token=]: a good token sets the cookie and goes home; otherwise the form (again). */
function login(req: NextRequest, token: string): NextResponse {
  const given = req.nextUrl.searchParams.get("token");
  if (req.method !== "GET") return refuse(405, "login: GET /login?token=<token>");
  const html = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" };
  if (given === null) return new NextResponse(loginPage(), { headers: html });
  if (!tokenMatches(given, token)) return new NextResponse(loginPage("That token is not this dashboard's."), { status: 401, headers: html });
  const res = NextResponse.redirect(new URL("/", req.url), 303);
  res.headers.set("set-cookie", loginCookie(given));
  return res;
}
