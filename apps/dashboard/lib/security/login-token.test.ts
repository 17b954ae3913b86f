import { test } from "node:test";
import assert from "node:assert/strict";
import { boundHost, isLoopbackBind, loginCookie, presentedToken, tokenMatches, tokenRequired } from "./login-token";

const next = (...a: string[]) => ["node", "next", "start", ...a];

test("the bound host comes from -H / --hostname, else HOSTNAME", () => {
  assert.equal(boundHost(next("-H", "0.0.0.0", "-p", "3000"), {}), "0.0.0.0");
  assert.equal(boundHost(next("--hostname", "::1"), {}), "::1");
  assert.equal(boundHost(next("--hostname=10.0.0.2"), {}), "10.0.0.2");
  assert.equal(boundHost(next(), { HOSTNAME: "127.0.0.1" }), "127.0.0.1");
  assert.equal(boundHost(next(), {}), undefined);
});

test("a token is needed off loopback, or when asked for; never on loopback by default", () => {
  assert.equal(tokenRequired(next("-H", "127.0.0.1"), {}), false, "npm start stays frictionless");
  assert.equal(tokenRequired(next("-H", "localhost"), {}), false);
  assert.equal(tokenRequired(next("-H", "::1"), {}), false);
  assert.equal(tokenRequired(next("-H", "0.0.0.0"), {}), true);
  assert.equal(tokenRequired(next("-H", "10.0.0.5"), {}), true);
  assert.equal(tokenRequired(next(), {}), true, "no -H: Next listens everywhere");
  assert.equal(tokenRequired(next("-H", "127.0.0.1"), { DASHBOARD_REQUIRE_TOKEN: "1" }), true);
  assert.equal(tokenRequired(next("-H", "127.0.0.1"), { DASHBOARD_TOKEN: "s" }), true);
  assert.ok(isLoopbackBind("127.0.0.2") && !isLoopbackBind("127.example") && !isLoopbackBind(undefined));
});

test("token comparison: exact match only, empty never matches", () => {
  assert.ok(tokenMatches("abc", "abc"));
  assert.ok(!tokenMatches("abd", "abc"));
  assert.ok(!tokenMatches("abcd", "abc"), "different lengths compare without throwing");
  assert.ok(!tokenMatches("", ""));
  assert.ok(!tokenMatches(undefined, "abc"));
});

test("the token is read from Bearer or the login cookie, which is HttpOnly and SameSite=Strict", () => {
  const h = (x: Record<string, string>) => (n: string) => x[n] ?? null;
  assert.equal(presentedToken(h({ authorization: "Bearer t0k" })), "t0k");
  assert.equal(presentedToken(h({ cookie: "a=1; p2p_dashboard_token=x%2By; b=2" })), "x+y");
  assert.equal(presentedToken(h({ cookie: "other=1" })), undefined);
  const c = loginCookie("x+y");
  assert.match(c, /^p2p_dashboard_token=x%2By;/);
  assert.match(c, /HttpOnly/);
  assert.match(c, /SameSite=Strict/);
});
